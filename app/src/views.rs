//! Read models shared by the pages, the islands and the REST API. None of them can hold a
//! reporter's identity or the evidence record: those types do not have the fields.

use crate::domain::{
    forms::union::Notice,
    policy::Grants,
    report::{ReportState, Severity},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// What whoever holds a receipt code may see of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptView {
    /// Why the report was closed at triage, for the reporter to read.
    #[serde(default)]
    pub closure_reason: Option<String>,
    /// The thread with the union.
    #[serde(default)]
    pub messages: Vec<MessageView>,
    /// The fix was verified and the reporter is asked to confirm or dispute it until then.
    #[serde(default)]
    pub confirm_due_at: Option<i64>,
    /// `XXXX-XXXX-XXX`
    pub code: String,
    pub state: ReportState,
    pub urgent: bool,
    pub severity: Severity,
    pub category: String,
    pub district_code: String,
    pub enterprise_name: Option<String>,
    /// Epoch milliseconds.
    pub submitted_at: i64,
    /// Oldest first; only the entries the reporter may read.
    pub timeline: Vec<TimelineEntry>,
}

/// One step of a report's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: i64,
    pub state: Option<ReportState>,
    pub note: Option<String>,
}

/// An enterprise as the report form's search shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseHit {
    pub id: Uuid,
    pub name: String,
    pub uscc: String,
    pub district_code: String,
    pub industry_code: String,
    pub is_coal_mine: bool,
}

/// A photo as the pages link it (URLs go through the authorization check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: Uuid,
    pub kind: String,
    pub width: i32,
    pub height: i32,
}

impl PhotoRef {
    pub fn thumb_url(&self) -> String {
        format!("/photos/{}/thumb", self.id)
    }
    pub fn display_url(&self) -> String {
        format!("/photos/{}/display", self.id)
    }
    pub fn original_url(&self) -> String {
        format!("/photos/{}/original", self.id)
    }
}

/// A timeline entry with who did it, for the union and enterprise views.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub at: i64,
    /// `reporter`, `inspector`, `enterprise`, `admin`, `system`.
    pub actor: String,
    /// The union member's name (union view only).
    pub actor_name: Option<String>,
    pub from_state: Option<ReportState>,
    pub to_state: Option<ReportState>,
    pub note: Option<String>,
}

/// The rectification notice (五定) and, for a major hazard, its governance plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub sent_at: i64,
    /// What was sent, its fields beside `sent_at` in the JSON.
    #[serde(flatten)]
    pub notice: Notice,
}

/// A rectification record from the enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RectificationView {
    pub submitted_at: i64,
    pub note: String,
}

/// An extension request and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionView {
    pub requested_at: i64,
    pub requested_until: i64,
    pub reason: String,
    pub granted: Option<bool>,
}

/// The union's view of a report: everything except who reported (that takes a reveal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternalReportView {
    pub id: Uuid,
    pub state: ReportState,
    pub urgent: bool,
    pub severity: Severity,
    pub grade: Option<String>,
    pub supervised: bool,
    pub category: String,
    /// Question code → answer as text (already described).
    pub answers: Vec<(String, String)>,
    pub enterprise_id: Option<Uuid>,
    pub enterprise_name: Option<String>,
    pub district_code: String,
    pub address: Option<String>,
    pub site: Option<String>,
    pub description: Option<String>,
    pub location: Option<(f64, f64)>,
    pub created_at: i64,
    pub assignee: Option<(Uuid, String)>,
    pub routed_by: Option<String>,
    /// Whether the reporter gave a name (实名): the name itself takes a reveal.
    pub named: bool,
    pub linked_to_account: bool,
    pub closure_reason: Option<String>,
    pub ack_due_at: Option<i64>,
    pub fix_due_at: Option<i64>,
    pub confirm_due_at: Option<i64>,
    pub photos: Vec<PhotoRef>,
    pub evidence: Vec<EvidenceView>,
    pub notice: Option<NoticeView>,
    pub rectifications: Vec<RectificationView>,
    pub extension: Option<ExtensionView>,
    pub timeline: Vec<EventView>,
    pub messages: Vec<MessageView>,
}

/// What the evidence record says about a photo (union only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceView {
    pub photo_id: Uuid,
    pub sha256: String,
    pub received_bytes: i64,
    pub original_size: (i32, i32),
    pub taken_at: Option<String>,
    pub exif_location: Option<(f64, f64)>,
    pub client_sha256: Option<String>,
    pub client_taken_at: Option<String>,
}

/// A message between the reporter and the union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub at: i64,
    pub from_reporter: bool,
    pub body: String,
}

/// The enterprise's view of a report. It has no field that could hold the reporter's name,
/// phone, account, receipt code, free-text description, submission time or evidence: the type
/// cannot carry them. (The time a report was made can point to who was on shift.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseReportView {
    pub id: Uuid,
    pub state: ReportState,
    pub urgent: bool,
    pub grade: Option<String>,
    pub supervised: bool,
    pub category: String,
    pub answers: Vec<(String, String)>,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub site: Option<String>,
    pub ack_due_at: Option<i64>,
    pub fix_due_at: Option<i64>,
    /// Stripped derivatives only (hazard and rectification photos).
    pub photos: Vec<PhotoRef>,
    pub notice: Option<NoticeView>,
    pub rectifications: Vec<RectificationView>,
    pub extension: Option<ExtensionView>,
    /// Only the steps the enterprise took part in (notice, acknowledgement, rectification,
    /// verification, extension), without names.
    pub timeline: Vec<EventView>,
}

/// One line of a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub id: Uuid,
    pub urgent: bool,
    pub state: ReportState,
    pub grade: Option<String>,
    pub category: String,
    pub district_code: String,
    pub enterprise_name: Option<String>,
    pub created_at: i64,
    pub overdue: bool,
    pub assignee_name: Option<String>,
    pub thumb: Option<PhotoRef>,
}

/// A page of a queue and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Opaque keyset cursor: `urgent.created_at.id` of the last item.
    pub next: Option<String>,
}

/// A notification in the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

/// Who reported, shown once on the union's report page right after an admin revealed it (with a
/// written reason, audited). Never stored in a page's data otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revealed {
    /// `None` for an anonymous (不留名) report: there is nobody to reveal.
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// An enterprise as the admin edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseRecord {
    pub id: Uuid,
    pub name: String,
    pub uscc: String,
    pub district_code: String,
    pub industry_code: String,
    pub address: String,
    pub is_coal_mine: bool,
    pub has_outdoor_work: bool,
    pub designated_inspector_id: Option<Uuid>,
}

/// An audit row as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditRow {
    pub at: i64,
    pub actor_user_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    pub address: String,
    pub detail: String,
}

/// A session as the account page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct SessionInfo {
    pub id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub address: String,
    pub user_agent: String,
}

/// A user as the admin list shows them (phone masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: Option<String>,
    pub phone_masked: Option<String>,
    pub display_name: String,
    pub disabled: bool,
    pub grants: Grants,
}

/// One account, as its owner sees it on 我的.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub username: Option<String>,
    pub phone_masked: Option<String>,
    pub display_name: String,
    pub grants: Grants,
    /// Names of the enterprises in the grants (officer, supervisor).
    pub enterprise_names: BTreeMap<Uuid, String>,
    pub sessions: Vec<SessionInfo>,
}

/// The filters of a union queue, as a query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueParams {
    /// `mine` (assigned to me, the default) or `area`.
    #[serde(default)]
    pub view: Option<String>,
    #[serde(default)]
    pub district: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub grade: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub enterprise: Option<String>,
    #[serde(default)]
    pub overdue: Option<String>,
    #[serde(default)]
    pub urgent: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// A union member who may take a report (for reassigning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
}

/// The union's page of a report: the view and what this person may do on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnionReport {
    pub view: InternalReportView,
    pub may_reveal: bool,
    /// The requests to reveal the reporter (admins who may reveal only).
    pub reveal_requests: Vec<RevealRequestView>,
    pub duplicate_candidates: Vec<(Uuid, i64, String)>,
    pub members: Vec<Member>,
}

/// A request to reveal a report's reporter, as the report page shows it to an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevealRequestView {
    pub id: Uuid,
    pub requested_by_name: String,
    pub reason: String,
    pub requested_at: i64,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<i64>,
    /// `None` while waiting.
    pub approved: Option<bool>,
    /// The viewer may approve or refuse it (another admin in scope, while it waits).
    pub may_decide: bool,
    /// The viewer may open the identity (they asked; approved, within `REVEAL_OPEN_MS`).
    pub may_open: bool,
}

/// A user on the admin's edit page, with the enterprises of their scopes by credit code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUser {
    pub user: UserSummary,
    /// (id, credit code, name)
    pub mines: Vec<(Uuid, String, String)>,
    pub enterprises: Vec<(Uuid, String, String)>,
}

/// A page of the directory as the admin manages it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseList {
    pub items: Vec<EnterpriseRecord>,
    /// `name` and `id` of the last item, when there may be more.
    pub next: Option<String>,
    /// The districts this admin manages (`None`: the whole city).
    pub district: Option<String>,
}

/// One enterprise on the admin's edit page: who looks after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminEnterprise {
    pub record: EnterpriseRecord,
    /// Inspectors who may be designated (covering its district).
    pub inspectors: Vec<Member>,
    pub officers: Vec<Member>,
    pub supervisors: Vec<Member>,
}

/// A heat or cold alert as pages and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: Uuid,
    /// `heat` or `cold`.
    pub event: String,
    /// `blue`, `yellow`, `orange` or `red`.
    pub level: String,
    /// Forecast maximum (heat) or minimum (cold), tenths of a degree Celsius.
    pub temperature: Option<i32>,
    pub valid_from: i64,
    pub valid_to: i64,
    pub headline: String,
    pub instruction: String,
    /// District codes.
    pub districts: Vec<String>,
    /// `active`, `superseded` or `cancelled`.
    pub status: String,
    /// Who issued it: a union admin's name or the CAP source's name.
    pub issued_by: String,
    pub sender: String,
    pub identifier: String,
    pub sent_at: i64,
    pub replaces: Option<Uuid>,
    pub created_at: i64,
}

/// An alert as one of an officer's enterprises received it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedAlert {
    pub alert: AlertView,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    /// Told the outdoor obligations (the enterprise has outdoor work).
    pub outdoor: bool,
    pub acknowledged_at: Option<i64>,
    /// Obligation keys ticked when acknowledging.
    pub measures: Vec<String>,
    pub note: String,
}

/// How far an alert reached in one district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictProgress {
    pub district: String,
    /// Enterprises in the district the alert was addressed to.
    pub enterprises: u32,
    /// Of those, enterprises with at least one officer whose inbox received it.
    pub reached: u32,
    pub acknowledged: u32,
    /// Not acknowledged yet: (enterprise id, name, reached).
    pub waiting: Vec<(Uuid, String, bool)>,
}

/// One delivery of an alert notification to one officer over one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub officer: String,
    pub enterprise: String,
    pub district: String,
    /// `inbox`, `push` or `sms`.
    pub channel: String,
    /// `pending`, `sent`, `failed` or `acknowledged`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    /// When the provider's receipt said the phone received it (text messages).
    pub delivered_at: Option<i64>,
}

/// One push or text-message delivery of any notification, for the admin's delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DeliveryRow {
    /// When the notification was written.
    pub at: i64,
    pub recipient: String,
    /// The notification's kind (`urgent`, `notice`, `alert`, …).
    pub kind: String,
    pub title: String,
    /// `push` or `sms`.
    pub channel: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// The admin's view of one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertDashboard {
    pub alert: AlertView,
    pub progress: Vec<DistrictProgress>,
    pub deliveries: Vec<DeliveryView>,
    /// The admin may update or cancel it (every district is in their scope).
    pub can_change: bool,
}

/// A device subscribed to Web Push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: Uuid,
    pub user_agent: String,
    /// The push service's origin (`https://fcm.googleapis.com`, …).
    pub service: String,
    pub created_at: i64,
}

/// One obligation as shown: what the enterprise must do, and what the worker may expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationLine {
    /// Stable id (the officer's checklist sends these).
    pub key: String,
    pub text: String,
    pub right: Option<String>,
}

/// An alert with what it obliges, for outdoor and for indoor enterprises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertCard {
    pub alert: AlertView,
    pub outdoor: Vec<ObligationLine>,
    pub indoor: Vec<ObligationLine>,
}

/// The 高温提醒 page: the district shown and today's alerts there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeatToday {
    pub district: Option<String>,
    pub alerts: Vec<AlertCard>,
}

/// The alerts desk: what an admin may issue and has issued, what an officer received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsDesk {
    /// Districts this admin may issue alerts for (empty: not an admin).
    pub issue_districts: Vec<String>,
    /// Recent alerts in the admin's scope, with (enterprises, reached, acknowledged).
    pub issued: Vec<(AlertView, u32, u32, u32)>,
    /// Alerts the officer's enterprises received.
    pub received: Vec<ReceivedAlert>,
}

/// One alert's page: the card, the admin's dashboard, the officer's acknowledgements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPage {
    pub card: AlertCard,
    pub dashboard: Option<AlertDashboard>,
    pub received: Vec<ReceivedAlert>,
}
