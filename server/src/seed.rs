//! `server seed-demo`: a believable Zhengzhou to explore — about 200 enterprises across the
//! campaign's industries, coal mines in 新密, 登封 and 巩义, each with a valid 统一社会信用代码.
//!
//! Deterministic and idempotent: the same enterprises (keyed by their USCC) every run, so running
//! it twice leaves the same counts.

use crate::store::{
    directory,
    users::{self, UserError},
};
use app::{
    backend::Db,
    db_run,
    domain::{enterprise_import::EnterpriseInput, DistrictCode, IndustryCode, Uscc},
};
use std::collections::HashSet;

/// What a seed run left in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    pub districts: i64,
    pub industries: i64,
    pub enterprises: i64,
    pub coal_mines: i64,
}

/// Trade-name stems (字号) for generated names.
const STEMS: &[&str] = &[
    "中原",
    "豫通",
    "金岭",
    "华康",
    "宏达",
    "嵩岳",
    "黄河",
    "绿城",
    "商都",
    "郑新",
    "天地",
    "瑞丰",
    "鑫源",
    "恒信",
    "隆兴",
    "永安",
    "博远",
    "汇力",
    "盛世",
    "东方",
    "锦程",
    "安泰",
    "兴华",
    "润德",
    "富康",
    "建恒",
    "正弘",
    "昌达",
    "德润",
    "方圆",
    "华宇",
    "顺发",
    "祥瑞",
    "众诚",
    "新纪元",
    "鼎盛",
    "凯旋",
    "同创",
    "嘉和",
    "远航",
    "豫发",
    "中州",
    "二砂",
    "航港",
    "郑工",
    "启明",
    "九州",
    "万通",
    "长城",
    "泰山",
];

const ROADS: &[&str] = &[
    "中州大道",
    "航海路",
    "陇海路",
    "金水路",
    "建设路",
    "文化路",
    "农业路",
    "花园路",
    "嵩山路",
    "大学路",
    "经开第八大街",
    "科学大道",
    "郑港四路",
    "商都路",
    "连霍高速辅路",
    "工业路",
    "长椿路",
    "须水河路",
];

/// Industry, its share of the 200, the districts it is found in, and name patterns.
struct Sector {
    industry: &'static str,
    count: usize,
    districts: &'static [&'static str],
    patterns: &'static [&'static str],
    outdoor: bool,
    coal: bool,
}

const SECTORS: &[Sector] = &[
    Sector {
        industry: "construction",
        count: 45,
        districts: &[
            "410102",
            "410103",
            "410104",
            "410105",
            "410108",
            "zz-zhengdong",
            "zz-airport",
            "410184",
            "410122",
            "410182",
        ],
        patterns: &[
            "{p}{s}建筑工程有限公司",
            "{p}{s}建设集团有限公司",
            "{p}{s}市政工程有限公司",
            "{p}{s}钢结构工程有限公司",
        ],
        outdoor: true,
        coal: false,
    },
    Sector {
        industry: "manufacturing",
        count: 45,
        districts: &[
            "zz-jingkai",
            "zz-gaoxin",
            "410102",
            "zz-airport",
            "410106",
            "410182",
            "410184",
        ],
        patterns: &[
            "{p}{s}机械制造有限公司",
            "{p}{s}重工科技有限公司",
            "{p}{s}汽车零部件有限公司",
            "{p}{s}电子科技有限公司",
            "{p}{s}铝业有限公司",
        ],
        outdoor: false,
        coal: false,
    },
    Sector {
        industry: "logistics",
        count: 35,
        districts: &[
            "zz-airport",
            "zz-jingkai",
            "410122",
            "410108",
            "410104",
            "410184",
        ],
        patterns: &[
            "{p}{s}物流有限公司",
            "{p}{s}供应链管理有限公司",
            "{p}{s}仓储服务有限公司",
            "{p}{s}冷链物流有限公司",
        ],
        outdoor: true,
        coal: false,
    },
    Sector {
        industry: "food",
        count: 30,
        districts: &[
            "410108",
            "410103",
            "410122",
            "410184",
            "410182",
            "zz-jingkai",
        ],
        patterns: &[
            "{p}{s}食品有限公司",
            "{p}{s}速冻食品有限公司",
            "{p}{s}面业有限公司",
            "{p}{s}乳业有限公司",
        ],
        outdoor: false,
        coal: false,
    },
    Sector {
        industry: "chemicals",
        count: 25,
        districts: &["410181", "410182", "410106", "410183", "zz-jingkai"],
        patterns: &[
            "{p}{s}化工有限公司",
            "{p}{s}新材料有限公司",
            "{p}{s}化学试剂有限公司",
            "{p}{s}涂料有限公司",
        ],
        outdoor: false,
        coal: false,
    },
    Sector {
        industry: "coal_mining",
        count: 20,
        districts: &["410183", "410185", "410181"],
        patterns: &["{p}{s}煤业有限公司", "{p}{s}煤矿", "{p}{s}矿业有限公司"],
        outdoor: true,
        coal: true,
    },
];

/// The prefix a registered name carries: the county-level city for counties outside the urban
/// core, 郑州 (or 河南) for the rest.
fn name_prefix(district: DistrictCode, n: usize) -> &'static str {
    match district.as_str() {
        "410122" => "中牟县",
        "410181" => "巩义市",
        "410182" => "荥阳市",
        "410183" => "新密市",
        "410184" => "新郑市",
        "410185" => "登封市",
        _ if n % 4 == 3 => "河南",
        _ => "郑州",
    }
}

/// GB 11714 organisation code: 8 characters and a check character.
fn organisation_code(body: &str) -> String {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    };
    format!("{body}{check}")
}

/// A valid USCC for the n-th demo enterprise in a division: "91" (market regulator, company),
/// the division, an "MA…" organisation code as issued since 2015, and the check character.
fn demo_uscc(division: &str, n: usize) -> Option<Uscc> {
    const BODY: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut x = (n as u64 + 1) * 2_654_435_761 % 887_503_681;
    let mut body = String::from("MA");
    for _ in 0..6 {
        body.push(BODY[(x % BODY.len() as u64) as usize] as char);
        x /= BODY.len() as u64;
    }
    let org = organisation_code(&body);
    Uscc::with_check_char(&format!("91{division}{org}")).ok()
}

/// The demo directory, always the same.
pub fn demo_enterprises() -> Vec<EnterpriseInput> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    let mut n = 0usize;
    for (si, sector) in SECTORS.iter().enumerate() {
        let Ok(industry) = IndustryCode::parse(sector.industry) else {
            continue;
        };
        let mut made = 0;
        let mut attempt = 0usize;
        while made < sector.count && attempt < sector.count * 20 {
            attempt += 1;
            let Ok(district) =
                DistrictCode::parse(sector.districts[attempt % sector.districts.len()])
            else {
                continue;
            };
            let stem = STEMS[(attempt * 7 + si * 13) % STEMS.len()];
            let pattern =
                sector.patterns[(attempt / STEMS.len() + attempt) % sector.patterns.len()];
            let name = pattern
                .replace("{p}", name_prefix(district, attempt))
                .replace("{s}", stem);
            if !names.insert(name.clone()) {
                continue;
            }
            // Functional zones have no division code of their own: their firms register under the city.
            let division = district
                .district()
                .gb2260()
                .unwrap_or(app::domain::district::CITY_GB2260);
            let Some(uscc) = demo_uscc(division, n) else {
                continue;
            };
            let road = ROADS[(n * 5 + si) % ROADS.len()];
            let address = format!(
                "{}{}{}号",
                district.district().name_zh,
                road,
                1 + (n * 37) % 300
            );
            // Some factories also work outdoors (yards, loading bays); most food and chemical plants do not.
            let has_outdoor_work = sector.outdoor || n.is_multiple_of(5);
            out.push(EnterpriseInput {
                name,
                uscc,
                district,
                industry,
                address,
                is_coal_mine: sector.coal,
                has_outdoor_work,
            });
            made += 1;
            n += 1;
        }
    }
    out
}

/// Stores the demo directory (upsert by USCC) and returns the resulting counts.
pub async fn seed_demo(db: &Db, now_ms: i64) -> Result<SeedCounts, sqlx::Error> {
    directory::upsert(db, &demo_enterprises(), now_ms).await?;
    counts(db).await
}

/// The staff logins `seed_demo_users` makes (workers register by phone).
pub const DEMO_USERNAMES: [&str; 7] = [
    "admin",
    "jinshui-admin",
    "inspector",
    "inspector-zhongyuan",
    "mine-supervisor",
    "officer",
    "officer-zhongyuan",
];

/// What the database holds that the demo does not make, in a few words (`None`: nothing, so
/// seeding it cannot put public demo passwords beside real accounts). Reports are not counted:
/// the demo is for making them.
pub async fn not_demo(db: &Db) -> Result<Option<String>, sqlx::Error> {
    let usernames: Vec<String> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT username FROM users WHERE username IS NOT NULL ORDER BY username"
    )
    .fetch_all(pool)
    .await)?;
    let staff: Vec<String> = usernames
        .into_iter()
        .filter(|u| !DEMO_USERNAMES.contains(&u.as_str()))
        .collect();
    let usccs: Vec<String> = db_run!(db, |pool| sqlx::query_scalar(
        "SELECT uscc FROM enterprises"
    )
    .fetch_all(pool)
    .await)?;
    let demo: HashSet<String> = demo_enterprises()
        .into_iter()
        .map(|e| e.uscc.as_str().to_string())
        .collect();
    let enterprises = usccs.iter().filter(|u| !demo.contains(*u)).count();
    let mut found = Vec::new();
    if let Some(first) = staff.first() {
        found.push(format!(
            "{} staff account(s) such as `{first}`",
            staff.len()
        ));
    }
    if enterprises > 0 {
        found.push(format!(
            "{enterprises} enterprise(s) outside the demo directory"
        ));
    }
    Ok((!found.is_empty()).then(|| found.join(", ")))
}

/// The password of every demo user (printed by the run command; demo data only).
pub const DEMO_PASSWORD: &str = "anquan-2026";

/// A demo login as the run command prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub login: String,
    pub who: String,
}

/// A demo user for every role, with real scopes in the demo directory. Existing demo users are
/// left as they are.
pub async fn seed_demo_users(
    db: &Db,
    vault: &app::backend::vault::Vault,
    now_ms: i64,
) -> Result<Vec<DemoLogin>, sqlx::Error> {
    use app::domain::{
        forms::account::{NewUser, Secret},
        phone::PhoneNumber,
        policy::{Grants, Role},
    };
    use std::collections::BTreeSet;
    let first = |district: &'static str, industry: &'static str| async move {
        db_run!(db, |pool| {
            sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT id FROM enterprises WHERE district_code = $1 AND industry_code = $2 ORDER BY uscc LIMIT 1"
        )
        .bind(district)
        .bind(industry)
        .fetch_optional(pool)
        .await
        })
    };
    let mines: Vec<uuid::Uuid> = db_run!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM enterprises WHERE is_coal_mine AND district_code = '410183' ORDER BY uscc"
    )
    .fetch_all(pool)
    .await
    })?;
    let coverage = |district: &str| -> BTreeSet<(String, String)> {
        app::domain::industry::INDUSTRIES
            .iter()
            .filter(|i| i.code != "coal_mining")
            .map(|i| (district.to_string(), i.code.to_string()))
            .collect()
    };
    let grants = |roles: &[Role]| Grants {
        roles: roles.iter().copied().collect(),
        ..Grants::default()
    };
    let mut plan: Vec<(&str, Option<&str>, &str, &str, Grants)> = vec![
        (
            "admin",
            Some("13703710001"),
            "市总工会 刘主任",
            "union admin, whole city",
            Grants {
                admin_of: Some(None),
                ..grants(&[Role::UnionAdmin])
            },
        ),
        (
            "jinshui-admin",
            Some("13703710002"),
            "金水区总工会 陈部长",
            "union admin, 金水区",
            Grants {
                admin_of: Some(Some("410105".into())),
                ..grants(&[Role::UnionAdmin])
            },
        ),
        (
            "inspector",
            Some("13703710003"),
            "王检查员",
            "inspector, 金水区 (all industries but coal)",
            Grants {
                coverage: coverage("410105"),
                ..grants(&[Role::Inspector])
            },
        ),
        (
            "inspector-zhongyuan",
            Some("13703710004"),
            "孙检查员",
            "inspector, 中原区",
            Grants {
                coverage: coverage("410102"),
                ..grants(&[Role::Inspector])
            },
        ),
    ];
    if !mines.is_empty() {
        plan.push((
            "mine-supervisor",
            Some("13703710005"),
            "李监督员",
            "coal-mine supervisor, 新密 mines",
            Grants {
                mines: mines.into_iter().collect(),
                ..grants(&[Role::MineSupervisor])
            },
        ));
    }
    if let Some(e) = first("410105", "construction").await? {
        plan.push((
            "officer",
            Some("13703710006"),
            "张安全员",
            "enterprise officer, a 金水区 construction firm",
            Grants {
                enterprises: [e].into(),
                ..grants(&[Role::EnterpriseOfficer])
            },
        ));
    }
    if let Some(e) = first("410102", "manufacturing").await? {
        plan.push((
            "officer-zhongyuan",
            Some("13703710007"),
            "周安全员",
            "enterprise officer, a 中原区 factory",
            Grants {
                enterprises: [e].into(),
                ..grants(&[Role::EnterpriseOfficer])
            },
        ));
    }
    plan.push((
        "13800138000",
        Some("13800138000"),
        "赵师傅",
        "worker (registered by phone)",
        grants(&[Role::Worker]),
    ));
    let mut out = Vec::new();
    for (login, phone, name, who, grants) in plan {
        let phone = phone.and_then(|p| PhoneNumber::parse(p).ok());
        let new = NewUser {
            // Staff sign in by name; their phone is where urgent notices go by text message.
            username: PhoneNumber::parse(login)
                .is_err()
                .then(|| login.to_string()),
            phone,
            display_name: name.to_string(),
            password: Secret::new(DEMO_PASSWORD),
            grants,
        };
        match users::create(db, vault, &new, None, "seed-demo", now_ms).await {
            Ok(_) | Err(UserError::Taken(_)) => {}
            Err(e) => return Err(sqlx::Error::Protocol(format!("demo user {login}: {e:?}"))),
        }
        out.push(DemoLogin {
            login: login.to_string(),
            who: format!("{name} — {who}"),
        });
    }
    Ok(out)
}

/// Creates a union admin with a random password, which is returned (for the terminal only).
pub async fn create_admin(
    db: &Db,
    vault: &app::backend::vault::Vault,
    username: &str,
    name: &str,
    district: Option<&str>,
    now_ms: i64,
) -> Result<String, String> {
    use app::domain::{
        forms::account::{NewUser, Secret},
        phone::PhoneNumber,
        policy::{Grants, Role},
    };
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 40 || PhoneNumber::parse(username).is_ok()
    {
        return Err("the username must be 1 to 40 characters and not a phone number".into());
    }
    if name.trim().is_empty() {
        return Err("give the admin a name (--name)".into());
    }
    let admin_of = match district {
        None => None,
        Some(d) => Some(
            DistrictCode::parse(d)
                .map_err(|_| format!("`{d}` is not a district of Zhengzhou (use a GB/T 2260 code such as 410105, or a zone code)"))?
                .as_str()
                .to_string(),
        ),
    };
    let password = users::random_password();
    let new = NewUser {
        username: Some(username.to_string()),
        phone: None,
        display_name: name.trim().to_string(),
        password: Secret::new(password.clone()),
        grants: Grants {
            roles: [Role::UnionAdmin].into(),
            admin_of: Some(admin_of),
            ..Grants::default()
        },
    };
    match users::create(db, vault, &new, None, "command line", now_ms).await {
        Ok(_) => Ok(password),
        Err(UserError::Taken(_)) => Err(format!("the username `{username}` is already taken")),
        Err(e) => Err(format!("cannot create the admin: {e:?}")),
    }
}

/// Counts of the directory tables.
pub async fn counts(db: &Db) -> Result<SeedCounts, sqlx::Error> {
    let sql = "SELECT (SELECT COUNT(*) FROM districts), (SELECT COUNT(*) FROM industries),
                      (SELECT COUNT(*) FROM enterprises),
                      (SELECT COUNT(*) FROM enterprises WHERE is_coal_mine)";
    let (districts, industries, enterprises, coal_mines): (i64, i64, i64, i64) =
        db_run!(db, |pool| sqlx::query_as(sql).fetch_one(pool).await)?;
    Ok(SeedCounts {
        districts,
        industries,
        enterprises,
        coal_mines,
    })
}

/// A demo heat alert for 金水区 and 中原区, in force from now for twelve hours (only when no alert
/// is in force there), so the 高温提醒 page and the officers' desks have something to show.
/// Returns the headline of the alert in force there (this one, or the one already there).
pub async fn seed_demo_alert(
    db: &Db,
    rules: &app::domain::heat::CityRules,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    use crate::store::alerts::{self as store, AlertWriteError, NewAlert};
    use app::{
        backend::alerts,
        domain::{
            forms::alerts::headline,
            heat::{Event, Level},
        },
    };
    if let Some(current) = alerts::current_for_district(db, "410105", now).await?.pop() {
        return Ok(Some(current.headline));
    }
    let districts: std::collections::BTreeSet<String> =
        ["410102".to_string(), "410105".to_string()]
            .into_iter()
            .collect();
    let headline = headline(Event::Heat, Level::Orange, &districts);
    let new = NewAlert {
        sender: "safesnap.demo".into(),
        identifier: format!("demo-{}", uuid::Uuid::new_v4()),
        sent_at: now,
        source_id: None,
        issued_by: None,
        event: Event::Heat,
        level: Level::Orange,
        temperature: Some(385),
        valid_from: now,
        valid_to: now + 12 * 3_600_000,
        headline: headline.clone(),
        instruction: "演示数据：12时至15时停止户外作业，做好防暑降温。".into(),
        districts,
        replaces: None,
    };
    match store::issue(db, rules, &new, None, now).await {
        Ok(_) => Ok(Some(headline)),
        Err(AlertWriteError::Db(e)) => Err(e),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_two_hundred_distinct_enterprises_with_valid_codes() {
        let all = demo_enterprises();
        assert_eq!(all.len(), 200);
        let names: HashSet<_> = all.iter().map(|e| &e.name).collect();
        let codes: HashSet<_> = all.iter().map(|e| &e.uscc).collect();
        assert_eq!(names.len(), 200);
        assert_eq!(codes.len(), 200);
        for e in &all {
            assert_eq!(Uscc::parse(e.uscc.as_str()).as_ref(), Ok(&e.uscc));
        }
    }

    #[test]
    fn mines_are_in_xinmi_dengfeng_and_gongyi_and_every_district_has_firms() {
        let all = demo_enterprises();
        let mines: Vec<_> = all.iter().filter(|e| e.is_coal_mine).collect();
        assert_eq!(mines.len(), 20);
        for m in &mines {
            assert!(
                ["410183", "410185", "410181"].contains(&m.district.as_str()),
                "{}",
                m.name
            );
            assert_eq!(m.industry.as_str(), "coal_mining");
            assert_eq!(m.uscc.division_code(), m.district.as_str());
        }
        for d in app::domain::DISTRICTS {
            assert!(
                all.iter().any(|e| e.district.as_str() == d.code),
                "no enterprise in {}",
                d.name_zh
            );
        }
    }

    #[test]
    fn the_demo_directory_is_the_same_every_time() {
        assert_eq!(demo_enterprises(), demo_enterprises());
    }

    #[test]
    fn organisation_codes_carry_the_gb11714_check_character() {
        // The example printed in GB 11714-1997: D2143569-X.
        assert_eq!(organisation_code("D2143569"), "D2143569X");
    }
}
