//! Routing over HTTP on both databases: coverage with the fewest open reports (ties in turn), the
//! enterprise's designated inspector, the mine's supervisor, the district desk; re-routing when an
//! inspector is disabled or their coverage changes; reassigning by hand with a note.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safesnap_tests::{both_backends, people::Browser, TestApp};
use uuid::Uuid;

async fn holder(admin: &Browser, report: Uuid) -> (Option<String>, String, serde_json::Value) {
    let (status, v) = admin.json(&format!("/api/v1/reports/{report}")).await;
    assert_eq!(status, 200, "{v}");
    let view = v["view"].clone();
    (
        view["assignee"][1].as_str().map(str::to_string),
        view["routed_by"].as_str().unwrap_or("").to_string(),
        view,
    )
}

/// The admin's enterprise form for `id`, as stored, with a designated inspector.
async fn enterprise_form(app: &TestApp, id: Uuid) -> Vec<(&'static str, String)> {
    let (name, uscc, district, industry, address): (String, String, String, String, String) =
        app::db_run!(&app.db, |pool| {
            sqlx::query_as(
        "SELECT name, uscc, district_code, industry_code, address FROM enterprises WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
        })
        .unwrap();
    vec![
        ("name", name),
        ("uscc", uscc),
        ("district", district),
        ("industry", industry),
        ("address", address),
        ("is_coal_mine", "0".into()),
        ("has_outdoor_work", "1".into()),
    ]
}

fn as_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

both_backends! {
    async fn every_rule_and_fallback_and_re_routing(app) {
        let people = app.people().await;
        let admin = app.signed_in("admin").await;
        let e1 = people.officer_enterprise;

        // Coverage: the only inspector of 金水区 × construction.
        let r1 = app.file(e1, false).await;
        let (who, rule, view) = holder(&admin, r1.id).await;
        assert_eq!((who.as_deref(), rule.as_str()), (Some("王检查员"), "coverage"));
        let events = view["timeline"].to_string();
        assert!(events.contains("负责金水区·建筑施工的检查员中待办最少（0件）：王检查员"), "the reason is recorded: {events}");

        // A second inspector there: the one with fewer open reports gets the next; a tie goes in turn.
        admin.act("/admin/users", &[("display_name", "钱检查员"), ("username", "inspector2"), ("password", "long-enough-1"), ("role", "inspector"), ("coverage", "410105:construction")]).await;
        let r2 = app.file(e1, false).await;
        assert_eq!(holder(&admin, r2.id).await.0.as_deref(), Some("钱检查员"));
        let r3 = app.file(e1, false).await;
        assert_eq!(holder(&admin, r3.id).await.0.as_deref(), Some("王检查员"), "tie: the one assigned longest ago");

        // The mine's supervisor.
        let mine = app.file(people.mine, false).await;
        let (who, rule, _) = holder(&admin, mine.id).await;
        assert_eq!((who.as_deref(), rule.as_str()), (Some("李监督员"), "mine_supervisor"));

        // Nobody covers 二七区: the district desk (here the city union, told in its inbox).
        let desk = app.file(people.uncovered_enterprise, false).await;
        let (who, rule, _) = holder(&admin, desk.id).await;
        assert_eq!((who, rule.as_str()), (None, "district_desk"));
        let (_, inbox) = admin.json("/api/v1/inbox").await;
        assert!(inbox.as_array().unwrap().iter().any(|n| n["link"].as_str().unwrap().contains(&desk.id.to_string())), "{inbox}");

        // The enterprise's designated inspector comes first.
        let inspector2 = app::db_run!(&app.db, |pool| sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE username = 'inspector2'").fetch_one(pool).await).unwrap();
        let mut form = enterprise_form(&app, e1).await;
        form.push(("designated_inspector_id", inspector2.to_string()));
        admin.act(&format!("/admin/enterprises/{e1}"), &as_refs(&form)).await;
        let r4 = app.file(e1, false).await;
        let (who, rule, _) = holder(&admin, r4.id).await;
        assert_eq!((who.as_deref(), rule.as_str()), (Some("钱检查员"), "designated_inspector"));
        // Someone who does not cover the district cannot be designated.
        let mut bad = enterprise_form(&app, e1).await;
        bad.push(("designated_inspector_id", people.id("inspector-zhongyuan").to_string()));
        assert_eq!(admin.post(&format!("/admin/enterprises/{e1}"), &as_refs(&bad)).await.status(), 422);

        // Disabling inspector2 re-routes their open reports (r2, r4) by the same rules.
        admin.act(&format!("/admin/users/{inspector2}/disable"), &[]).await;
        for r in [&r2, &r4] {
            let (who, _, view) = holder(&admin, r.id).await;
            assert_eq!(who.as_deref(), Some("王检查员"));
            assert!(view["timeline"].to_string().contains("重新分派（检查员已停用）"), "{view}");
        }

        // Narrowing 王检查员's coverage to 中原区 sends their 金水区 reports to the desk.
        let id = people.id("inspector");
        admin.act(&format!("/admin/users/{id}"), &[("role", "inspector"), ("coverage", "410102:construction")]).await;
        let (who, rule, view) = holder(&admin, r1.id).await;
        assert_eq!((who, rule.as_str()), (None, "district_desk"));
        assert!(view["timeline"].to_string().contains("负责范围变更"), "{view}");
    }

    async fn reassigning_by_hand_needs_a_note_and_someone_who_may_take_it(app) {
        let people = app.people().await;
        let report = app.file(people.officer_enterprise, false).await;
        let district = app.signed_in("jinshui-admin").await;
        let path = format!("/union/reports/{}/reassign", report.id);
        let res = district.post(&path, &[("assignee", "desk")]).await;
        assert_eq!(res.status(), 422, "a note is required");
        // An inspector of another district is not a possible holder.
        let res = district.post(&path, &[("assignee", &people.id("inspector-zhongyuan").to_string()), ("note", "换人")]).await;
        assert_eq!(res.status(), 422);
        district.act(&path, &[("assignee", "desk"), ("note", "检查员休假，区工会先处理")]).await;
        let (who, rule, view) = holder(&district, report.id).await;
        assert_eq!((who, rule.as_str()), (None, "manual"));
        assert!(view["timeline"].to_string().contains("检查员休假，区工会先处理"), "{view}");
        // The inspector it was taken from no longer has it in their queue.
        let inspector = app.signed_in("inspector").await;
        let (_, queue) = inspector.json("/api/v1/queue").await;
        assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");
    }
}
