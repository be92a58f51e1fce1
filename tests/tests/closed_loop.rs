//! The closed loop end to end over HTTP, on SQLite and PostgreSQL: routing, triage, notice,
//! extension, acknowledgement, rectification with photos, failed and passed verification, the
//! reporter's dispute and confirmation, messages, the inbox; the confirmation timeout and the
//! escalation ladder driven by a manual clock; two servers running the jobs on one database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::components::page::date_of;
use reqwest::multipart::{Form, Part};
use safesnap_tests::{
    both_backends,
    people::{Browser, Filed},
    photos::camera_jpeg,
    spawn_app_at_start, Engine, TestApp,
};

const DAY: i64 = 24 * 3600 * 1000;

/// The union's JSON view of a report.
async fn union_view(b: &Browser, r: &Filed) -> serde_json::Value {
    let (status, v) = b.json(&format!("/api/v1/reports/{}", r.id)).await;
    assert_eq!(status, 200, "{v}");
    v["view"].clone()
}

async fn state_of(b: &Browser, r: &Filed) -> String {
    union_view(b, r).await["state"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn inbox_titles(b: &Browser) -> Vec<String> {
    let (status, v) = b.json("/api/v1/inbox").await;
    assert_eq!(status, 200);
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

fn rectification(note: &str) -> Form {
    Form::new().text("note", note.to_string()).part(
        "photo",
        Part::bytes(camera_jpeg(800, 600, 1))
            .file_name("after.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    )
}

async fn send_notice(inspector: &Browser, r: &Filed, deadline: &str) {
    inspector
        .act(
            &format!("/union/reports/{}/notice", r.id),
            &[
                ("responsible_person", "项目经理 张三"),
                ("measures", "立即在3号楼东侧加装临边防护栏和安全网"),
                ("deadline", deadline),
                ("standard", "JGJ 80-2016 建筑施工高处作业安全技术规范"),
                ("acceptance_person", "公司安全部 李四"),
            ],
        )
        .await;
}

/// Submitted → triaged → notice sent, as the demo inspector.
async fn up_to_notice(app: &TestApp, inspector: &Browser, r: &Filed) {
    inspector
        .act(
            &format!("/union/reports/{}/grade", r.id),
            &[("grade", "ordinary"), ("note", "")],
        )
        .await;
    send_notice(inspector, r, &date_of(app.now() + 7 * DAY)).await;
}

both_backends! {
    async fn the_whole_loop_with_extension_failed_check_dispute_and_confirmation(app) {
        let people = app.people().await;
        let report = app.file(people.officer_enterprise, true).await;
        let inspector = app.signed_in("inspector").await;
        let officer = app.signed_in("officer").await;
        let worker = app.visitor();

        // Routed to the inspector covering 金水区 × construction, who is told.
        let v = union_view(&inspector, &report).await;
        assert_eq!(v["assignee"][1], "王检查员");
        assert_eq!(v["routed_by"], "coverage");
        assert!(inbox_titles(&inspector).await.iter().any(|t| t.contains("新的隐患报告")));

        // Before the notice the enterprise cannot see it at all.
        assert_eq!(officer.get(&format!("/enterprise/reports/{}", report.id)).await.status(), 404);
        assert!(officer.text("/enterprise").await.1.contains("目前没有需要整改的隐患"));

        // Triage: the grade, then the notice with the 五定.
        inspector.act(&format!("/union/reports/{}/grade", report.id), &[("grade", "ordinary"), ("note", "已核实")]).await;
        let (_, receipt) = worker.text(&report.receipt_path()).await;
        assert!(receipt.contains("已受理"), "{receipt}");
        // A notice without its fields is refused field by field, and nothing changes.
        let refused = inspector.post(&format!("/union/reports/{}/notice", report.id), &[("measures", "")]).await;
        assert_eq!(refused.status(), 422);
        let text = safesnap_tests::people::visible_text(&refused.text().await.unwrap());
        assert!(text.contains("必填"), "{text}");
        assert_eq!(state_of(&inspector, &report).await, "triaged");
        send_notice(&inspector, &report, &date_of(app.now() + 7 * DAY)).await;
        assert_eq!(state_of(&inspector, &report).await, "notice_sent");

        // The officer sees the notice, asks once for more time; the inspector grants it.
        let page = format!("/enterprise/reports/{}", report.id);
        let (status, text) = officer.text(&page).await;
        assert_eq!(status, 200);
        assert!(text.contains("立即在3号楼东侧加装临边防护栏和安全网") && text.contains("公司安全部 李四"), "{text}");
        assert!(inbox_titles(&officer).await.iter().any(|t| t == "收到整改通知"));
        let until = date_of(app.now() + 12 * DAY);
        officer.act(&format!("{page}/extension"), &[("until", &until), ("reason", "防护栏材料需要从外地调运")]).await;
        let again = officer.post(&format!("{page}/extension"), &[("until", &until), ("reason", "再延一次")]).await;
        assert_eq!(again.status(), 409, "a second extension request must be refused");
        assert!(safesnap_tests::people::visible_text(&again.text().await.unwrap()).contains("只能申请一次延期"));
        assert!(inbox_titles(&inspector).await.iter().any(|t| t == "企业申请延期"));
        inspector.act(&format!("/union/reports/{}/extension", report.id), &[("decision", "grant"), ("note", "同意")]).await;
        let fix_due = union_view(&inspector, &report).await["fix_due_at"].as_i64().unwrap();
        assert_eq!(date_of(fix_due), until);
        assert!(officer.text(&page).await.1.contains("同意延期"));

        // Acknowledge, rectify with an after-photo; the inspector fails it, then passes it.
        officer.act(&format!("{page}/acknowledge"), &[]).await;
        let res = officer.post_multipart(&format!("{page}/rectification"), rectification("已加装防护栏")).await;
        assert_eq!(res.status(), 303);
        assert_eq!(state_of(&inspector, &report).await, "rectification_submitted");
        let v = union_view(&inspector, &report).await;
        assert!(v["photos"].as_array().unwrap().iter().any(|p| p["kind"] == "rectification"), "the after-photo is on the report");
        let no_note = inspector.post(&format!("/union/reports/{}/verify", report.id), &[("result", "fail")]).await;
        assert_eq!(no_note.status(), 422, "a failed check needs a reason");
        inspector.act(&format!("/union/reports/{}/verify", report.id), &[("result", "fail"), ("note", "安全网未挂设")]).await;
        assert_eq!(state_of(&inspector, &report).await, "acknowledged");
        assert!(officer.text(&page).await.1.contains("安全网未挂设"));
        let res = officer.post_multipart(&format!("{page}/rectification"), rectification("已挂设安全网")).await;
        assert_eq!(res.status(), 303);
        inspector.act(&format!("/union/reports/{}/verify", report.id), &[("result", "pass"), ("note", "现场复查合格")]).await;

        // The reporter is asked on the receipt page; a dispute reopens the report.
        let (_, receipt) = worker.text(&report.receipt_path()).await;
        assert!(receipt.contains("隐患整改好了吗？"), "{receipt}");
        let code = report.code.replace('-', "");
        let res = worker.post(&format!("/r/{code}/dispute"), &[("body", "东侧还是没有护栏")]).await;
        assert_eq!(res.status(), 303);
        assert_eq!(state_of(&inspector, &report).await, "reopened");
        assert!(inbox_titles(&inspector).await.iter().any(|t| t == "举报人对整改有异议"));

        // Round two: notice, acknowledgement, fix, pass, and this time the reporter confirms.
        send_notice(&inspector, &report, &date_of(app.now() + 3 * DAY)).await;
        officer.act(&format!("{page}/acknowledge"), &[]).await;
        assert_eq!(officer.post_multipart(&format!("{page}/rectification"), rectification("东侧护栏已补装")).await.status(), 303);
        inspector.act(&format!("/union/reports/{}/verify", report.id), &[("result", "pass")]).await;
        let res = worker.post(&format!("/r/{code}/confirm"), &[]).await;
        assert_eq!(res.status(), 303);
        let (_, receipt) = worker.text(&report.receipt_path()).await;
        assert!(receipt.contains("当前状态 已闭环"), "{receipt}");
        // A closed report takes no more actions.
        let late = worker.post(&format!("/r/{code}/dispute"), &[("body", "again")]).await;
        assert_eq!(late.status(), 409);
    }

    async fn messages_go_between_reporter_and_union_only(app) {
        let people = app.people().await;
        let report = app.file(people.officer_enterprise, false).await;
        let inspector = app.signed_in("inspector").await;
        let officer = app.signed_in("officer").await;
        let worker = app.visitor();
        let code = report.code.replace('-', "");
        let res = worker.post(&format!("/r/{code}/messages"), &[("body", "班组长让我们明天照常上去干活")]).await;
        assert_eq!(res.status(), 303);
        assert!(inbox_titles(&inspector).await.iter().any(|t| t == "举报人发来消息"));
        inspector.act(&format!("/union/reports/{}/messages", report.id), &[("body", "收到，我们今天下午去现场")]).await;
        let (_, receipt) = worker.text(&report.receipt_path()).await;
        assert!(receipt.contains("班组长让我们明天照常上去干活") && receipt.contains("收到，我们今天下午去现场"), "{receipt}");
        up_to_notice(&app, &inspector, &report).await;
        let (status, page) = officer.text(&format!("/enterprise/reports/{}", report.id)).await;
        assert_eq!(status, 200);
        assert!(!page.contains("班组长") && !page.contains("今天下午去现场"), "the enterprise must not see the thread: {page}");
        // An empty message is refused at its field.
        let empty = worker.post(&format!("/r/{code}/messages"), &[("body", "  ")]).await;
        assert_eq!(empty.status(), 422);
    }

    async fn triage_can_close_a_report_with_a_reason_the_reporter_reads(app) {
        let people = app.people().await;
        let first = app.file(people.officer_enterprise, false).await;
        let second = app.file(people.officer_enterprise, false).await;
        let inspector = app.signed_in("inspector").await;
        // The same enterprise and category within 7 days is offered as the duplicate.
        let (_, page) = inspector.text(&format!("/union/reports/{}", second.id)).await;
        assert!(page.contains("与哪份报告重复"), "{page}");
        inspector
            .act(
                &format!("/union/reports/{}/reject", second.id),
                &[("reason", "duplicate"), ("duplicate_of", &first.id.to_string()), ("message", "同一处隐患已在处理中，请关注之前的回执")],
            )
            .await;
        let (_, receipt) = app.visitor().text(&second.receipt_path()).await;
        assert!(receipt.contains("未受理") && receipt.contains("同一处隐患已在处理中"), "{receipt}");
        // Without a reason the reporter could read, closing is refused.
        let res = inspector.post(&format!("/union/reports/{}/reject", first.id), &[("reason", "not_a_hazard")]).await;
        assert_eq!(res.status(), 422);
        assert_eq!(state_of(&inspector, &first).await, "submitted");
    }
}

async fn confirmation_timeout(engine: Engine) {
    let Some(app) = spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, false).await;
    let inspector = app.signed_in("inspector").await;
    let officer = app.signed_in("officer").await;
    up_to_notice(&app, &inspector, &report).await;
    let page = format!("/enterprise/reports/{}", report.id);
    officer.act(&format!("{page}/acknowledge"), &[]).await;
    assert_eq!(
        officer
            .post_multipart(&format!("{page}/rectification"), rectification("已整改"))
            .await
            .status(),
        303
    );
    inspector
        .act(
            &format!("/union/reports/{}/verify", report.id),
            &[("result", "pass")],
        )
        .await;

    app.advance(7 * DAY - 60_000);
    assert!(
        app.run_jobs().await.closed.is_empty(),
        "not before seven days"
    );
    app.advance(2 * 60_000);
    assert_eq!(app.run_jobs().await.closed, vec![report.id]);
    assert!(app.run_jobs().await.closed.is_empty(), "closed once");
    let (_, receipt) = app.visitor().text(&report.receipt_path()).await;
    assert!(receipt.contains("当前状态 已闭环"), "{receipt}");
    assert!(
        receipt.contains("举报人7天内未确认或提出异议，按检查员的验收结果闭环"),
        "{receipt}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_confirmation_closes_after_seven_days_sqlite() {
    confirmation_timeout(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_confirmation_closes_after_seven_days_postgres() {
    confirmation_timeout(Engine::Postgres).await;
}

async fn escalation_ladder(engine: Engine) {
    let Some(app) = spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let report = app.file(people.officer_enterprise, false).await;
    up_to_notice(&app, &app.signed_in("inspector").await, &report).await;
    let escalations = |titles: Vec<String>| {
        titles
            .into_iter()
            .filter(|t| t.contains("企业逾期"))
            .count()
    };
    // Days pass between the steps: each person signs in again (sessions end after 12 idle hours).
    let inbox_of = |login: &'static str| {
        let app = &app;
        async move { inbox_titles(&app.signed_in(login).await).await }
    };

    // Not acknowledged within 2 working days (Wednesday → Friday): the inspector is reminded.
    app.advance(2 * DAY - 60_000);
    assert!(app.run_jobs().await.escalations.is_empty());
    let inspector = app.signed_in("inspector").await;
    let (status, queue) = inspector.json("/api/v1/queue?overdue=1").await;
    assert_eq!(status, 200, "{queue}");
    assert!(
        queue["items"].as_array().unwrap().is_empty(),
        "not overdue yet"
    );
    app.advance(2 * 60_000);
    let run = app.run_jobs().await;
    assert_eq!(run.escalations.len(), 1);
    assert!(inbox_of("inspector")
        .await
        .contains(&"企业逾期未签收整改通知，已提醒检查员".to_string()));
    let (_, queue) = inspector.json("/api/v1/queue?overdue=1").await;
    assert_eq!(
        queue["items"][0]["overdue"], true,
        "overdue is derived from the deadline: {queue}"
    );
    // Running again tells nobody twice.
    assert!(app.run_jobs().await.escalations.is_empty());
    assert_eq!(escalations(inbox_of("inspector").await), 1);

    // Three days late: the district union; seven: the city union. Each on the timeline.
    app.advance(3 * DAY);
    app.run_jobs().await;
    assert!(inbox_of("jinshui-admin")
        .await
        .iter()
        .any(|t| t.contains("已上报区工会")));
    assert_eq!(escalations(inbox_of("admin").await), 0);
    app.advance(4 * DAY);
    app.run_jobs().await;
    assert!(inbox_of("admin")
        .await
        .iter()
        .any(|t| t.contains("已上报市总工会")));
    let (_, page) = app
        .signed_in("inspector")
        .await
        .text(&format!("/union/reports/{}", report.id))
        .await;
    for rung in ["已提醒检查员", "已上报区工会", "已上报市总工会"] {
        assert!(page.contains(rung), "the timeline shows {rung}: {page}");
    }
    // The enterprise's timeline does not carry the union's escalations.
    let (_, page) = app
        .signed_in("officer")
        .await
        .text(&format!("/enterprise/reports/{}", report.id))
        .await;
    assert!(!page.contains("已上报"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_reports_climb_the_escalation_ladder_once_per_rung_sqlite() {
    escalation_ladder(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_reports_climb_the_escalation_ladder_once_per_rung_postgres() {
    escalation_ladder(Engine::Postgres).await;
}

/// Two server processes on one database run the jobs at the same moment: every escalation and
/// every timeout is done, and none twice.
async fn two_workers(engine: Engine) {
    let Some(app) = spawn_app_at_start(engine).await else {
        return;
    };
    let people = app.people().await;
    let inspector = app.signed_in("inspector").await;
    let officer = app.signed_in("officer").await;
    let mut overdue = Vec::new();
    for _ in 0..6 {
        let r = app.file(people.officer_enterprise, false).await;
        up_to_notice(&app, &inspector, &r).await;
        overdue.push(r.id);
    }
    let mut verified = Vec::new();
    for _ in 0..4 {
        let r = app.file(people.officer_enterprise, false).await;
        up_to_notice(&app, &inspector, &r).await;
        let page = format!("/enterprise/reports/{}", r.id);
        officer.act(&format!("{page}/acknowledge"), &[]).await;
        assert_eq!(
            officer
                .post_multipart(&format!("{page}/rectification"), rectification("ok"))
                .await
                .status(),
            303
        );
        inspector
            .act(
                &format!("/union/reports/{}/verify", r.id),
                &[("result", "pass")],
            )
            .await;
        verified.push(r.id);
    }
    // Ten days on, the six are eight days past their acknowledgement deadline (the city rung:
    // three rungs each) and the four verified ones have timed out.
    app.advance(10 * DAY);

    let second = app.second_server().await;
    let (a, b) = tokio::join!(
        server::actions::jobs::run_once(&app.state),
        server::actions::jobs::run_once(&second)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut escalations: Vec<_> = a
        .escalations
        .iter()
        .chain(b.escalations.iter())
        .cloned()
        .collect();
    escalations.sort();
    let total = escalations.len();
    escalations.dedup();
    assert_eq!(total, escalations.len(), "an escalation was done twice");
    assert_eq!(total, 6 * 3, "every rung of every overdue report, once");
    let mut closed: Vec<_> = a.closed.iter().chain(b.closed.iter()).copied().collect();
    closed.sort();
    verified.sort();
    assert_eq!(
        closed, verified,
        "each unanswered confirmation closed exactly once"
    );
    let city = app.signed_in("admin").await;
    assert_eq!(
        inbox_titles(&city)
            .await
            .iter()
            .filter(|t| t.contains("已上报市总工会"))
            .count(),
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_run_the_jobs_and_each_item_is_handled_exactly_once_sqlite() {
    two_workers(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_run_the_jobs_and_each_item_is_handled_exactly_once_postgres() {
    two_workers(Engine::Postgres).await;
}

/// The officer acknowledges the notice and submits the fix with an after-photo.
async fn acknowledge_and_fix(officer: &Browser, page: &str) {
    officer.act(&format!("{page}/acknowledge"), &[]).await;
    let res = officer
        .post_multipart(
            &format!("{page}/rectification"),
            rectification("已加装防护栏"),
        )
        .await;
    assert_eq!(res.status(), 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensions_only_while_the_fix_is_awaited_and_triage_attaches_only_what_it_covers() {
    let app = spawn_app_at_start(Engine::Sqlite).await.unwrap();
    let people = app.people().await;
    let inspector = app.signed_in("inspector").await;
    let officer = app.signed_in("officer").await;
    let until = date_of(app.now() + 12 * DAY);
    let wrong_state = |text: &str| text.contains("不能进行这个操作");

    // The fix is already submitted: no request, no decision.
    let done = app.file(people.officer_enterprise, false).await;
    up_to_notice(&app, &inspector, &done).await;
    let page = format!("/enterprise/reports/{}", done.id);
    acknowledge_and_fix(&officer, &page).await;
    let late = officer
        .post(
            &format!("{page}/extension"),
            &[("until", &until), ("reason", "材料未到")],
        )
        .await;
    assert_eq!(late.status(), 409);
    let text = safesnap_tests::people::visible_text(&late.text().await.unwrap());
    assert!(wrong_state(&text), "{text}");

    // Asked in time, but the fix came before the decision: the decision is refused, the
    // deadline stays.
    let asked = app.file(people.officer_enterprise, false).await;
    up_to_notice(&app, &inspector, &asked).await;
    let page = format!("/enterprise/reports/{}", asked.id);
    officer
        .act(
            &format!("{page}/extension"),
            &[("until", &until), ("reason", "材料未到")],
        )
        .await;
    let due = union_view(&inspector, &asked).await["fix_due_at"]
        .as_i64()
        .unwrap();
    acknowledge_and_fix(&officer, &page).await;
    let decide = inspector
        .post(
            &format!("/union/reports/{}/extension", asked.id),
            &[("decision", "grant")],
        )
        .await;
    assert_eq!(decide.status(), 409);
    let text = safesnap_tests::people::visible_text(&decide.text().await.unwrap());
    assert!(wrong_state(&text), "{text}");
    assert_eq!(
        union_view(&inspector, &asked).await["fix_due_at"]
            .as_i64()
            .unwrap(),
        due
    );

    // A report made without knowing the enterprise, in 金水区: its district's admin may attach
    // a 金水区 enterprise, not a 中原区 one; the city admin may attach any.
    let db = &app.db;
    let uscc = |id: uuid::Uuid| async move {
        app::db_run!(db, |pool| sqlx::query_scalar::<_, String>(
            "SELECT uscc FROM enterprises WHERE id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)
        .unwrap()
    };
    let (here, elsewhere) = (
        uscc(people.officer_enterprise).await,
        uscc(people.other_enterprise).await,
    );
    let unknown = || {
        safesnap_tests::submit::Report::about(people.officer_enterprise)
            .without("enterprise_id")
            .set("no_enterprise", "on")
            .set("district", "410105")
            .set("address", "金水区花园路工地")
            .photo(camera_jpeg(640, 480, 1))
    };
    let district_admin = app.signed_in("jinshui-admin").await;
    let first = app.file_report(&unknown()).await;
    let refused = district_admin
        .post(
            &format!("/union/reports/{}/grade", first.id),
            &[("grade", "ordinary"), ("enterprise", elsewhere.as_str())],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let text = safesnap_tests::people::visible_text(&refused.text().await.unwrap());
    assert!(text.contains("不在本报告所在区县"), "{text}");
    assert_eq!(
        state_of(&district_admin, &first).await,
        "submitted",
        "nothing half-done"
    );
    district_admin
        .act(
            &format!("/union/reports/{}/grade", first.id),
            &[("grade", "ordinary"), ("enterprise", here.as_str())],
        )
        .await;
    assert_eq!(
        union_view(&district_admin, &first).await["enterprise_id"],
        people.officer_enterprise.to_string()
    );
    let second = app.file_report(&unknown()).await;
    let city = app.signed_in("admin").await;
    city.act(
        &format!("/union/reports/{}/grade", second.id),
        &[("grade", "ordinary"), ("enterprise", elsewhere.as_str())],
    )
    .await;
    assert_eq!(state_of(&city, &second).await, "triaged");
}
