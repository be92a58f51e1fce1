//! Headless Chromium (Debian's `/usr/bin/chromium`) on a phone viewport, driven over the
//! DevTools protocol.

use chromiumoxide::{
    browser::{Browser, BrowserConfig},
    cdp::{
        browser_protocol::{
            browser::BrowserContextId,
            dom::{GetOuterHtmlParams, ScrollIntoViewIfNeededParams, SetFileInputFilesParams},
            input::{DispatchMouseEventParams, DispatchMouseEventType, InsertTextParams},
            network::{
                EmulateNetworkConditionsByRuleParams, NetworkConditions, OverrideNetworkStateParams,
            },
            target::{CreateBrowserContextParams, CreateTargetParams, SetAutoAttachParams},
        },
        js_protocol::runtime::EventExceptionThrown,
    },
    handler::viewport::Viewport,
    page::ScreenshotParams,
    Page,
};
use futures::{FutureExt, StreamExt};
use std::{
    future::Future,
    panic::AssertUnwindSafe,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

/// The phone the browser tests emulate: a 360×740 CSS-pixel Android screen.
pub const PHONE: (u32, u32) = (360, 740);
/// Taps land below the sticky header…
const SAFE_TOP: f64 = 120.0;
/// …and above the bottom navigation.
const SAFE_BOTTOM: f64 = 90.0;

/// A browser test that takes longer than this has hung: it fails (with its screenshot).
pub const TEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Where failed browser tests leave a screenshot.
pub fn failure_dir() -> PathBuf {
    crate::workspace_root()
        .join("target")
        .join("browser-failures")
}

fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// A running headless Chromium with its own fresh profile.
pub struct Chromium {
    pub browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    pub async fn launch() -> Chromium {
        let profile = tempfile::tempdir().expect("profile dir");
        let exe = chromium_path();
        assert!(
            exe.exists(),
            "Chromium not found at {} (install Debian's `chromium`, or set CHROMIUM)",
            exe.display()
        );
        // BROWSER_LOG=1: Chromium's own log (service worker console and errors) on stderr.
        let log = std::env::var_os("BROWSER_LOG").is_some();
        let mut builder = BrowserConfig::builder();
        if log {
            builder = builder.args(["--enable-logging=stderr", "--v=0"]);
        }
        let config = builder
            .chrome_executable(exe)
            .new_headless_mode()
            .no_sandbox()
            .user_data_dir(profile.path())
            .window_size(PHONE.0, PHONE.1)
            .viewport(Viewport {
                width: PHONE.0,
                height: PHONE.1,
                device_scale_factor: Some(2.0),
                emulating_mobile: true,
                is_landscape: false,
                has_touch: true,
            })
            .args([
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ])
            .launch_timeout(Duration::from_secs(30))
            .request_timeout(Duration::from_secs(30))
            .build()
            .expect("browser config");
        let (browser, mut events) = Browser::launch(config).await.expect("launch Chromium");
        let handler = tokio::spawn(async move { while events.next().await.is_some() {} });
        Chromium {
            browser,
            handler,
            _profile: profile,
        }
    }

    /// A new tab with the phone viewport, collecting uncaught JavaScript exceptions.
    pub async fn phone_page(&self) -> PhonePage {
        self.phone_page_in(None).await
    }

    /// A tab in a browser context of its own (its own cookies and storage: another person's
    /// phone).
    pub async fn another_phone(&self) -> PhonePage {
        let context = self
            .browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
            .expect("new browser context");
        self.phone_page_in(Some(context)).await
    }

    async fn phone_page_in(&self, context: Option<BrowserContextId>) -> PhonePage {
        let mut target = CreateTargetParams::new("about:blank");
        target.browser_context_id = context;
        let page = self.browser.new_page(target).await.expect("new page");
        // chromiumoxide attaches to new targets paused until a debugger resumes them; a service
        // worker it then detaches from can stay paused and never install. Let workers run.
        let attach = SetAutoAttachParams::builder()
            .auto_attach(true)
            .wait_for_debugger_on_start(false)
            .flatten(true)
            .build()
            .expect("auto-attach params");
        page.execute(attach)
            .await
            .expect("auto-attach without pausing");
        // Content-Security-Policy violations are collected on every document, for `csp_violations`.
        page.evaluate_on_new_document(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));",
        )
        .await
        .expect("CSP listener");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let mut thrown = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("listen for exceptions");
        let sink = errors.clone();
        tokio::spawn(async move {
            while let Some(event) = thrown.next().await {
                let details = &event.exception_details;
                let text = details
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| details.text.clone());
                sink.lock().expect("errors lock").push(text);
            }
        });
        PhonePage { page, errors }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.handler.abort();
    }
}

/// A tab, plus the uncaught exceptions it has thrown so far.
#[derive(Clone)]
pub struct PhonePage {
    pub page: Page,
    errors: Arc<Mutex<Vec<String>>>,
}

impl PhonePage {
    /// Signs in on `/me` with the demo password and waits for the account page.
    pub async fn sign_in(&self, base: &str, login: &str) {
        self.goto(&format!("{base}/me")).await;
        self.type_into("form[action='/login'] input[name=login]", login)
            .await;
        self.type_into(
            "form[action='/login'] input[name=password]",
            crate::people::DEMO_PASSWORD,
        )
        .await;
        self.tap("form[action='/login'] button[type=submit]").await;
        self.wait_for(
            "the account page",
            "!!document.querySelector('.account-name')",
            std::time::Duration::from_secs(20),
        )
        .await;
    }

    pub async fn goto(&self, url: &str) {
        self.page
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
        self.page
            .wait_for_navigation()
            .await
            .unwrap_or_else(|e| panic!("load {url}: {e}"));
    }

    /// Evaluates a JavaScript expression and returns its JSON value.
    pub async fn eval(&self, js: &str) -> serde_json::Value {
        let result = self
            .page
            .evaluate(js)
            .await
            .unwrap_or_else(|e| panic!("evaluate `{js}`: {e}"));
        result.value().cloned().unwrap_or(serde_json::Value::Null)
    }

    /// Evaluates `js` until it returns `true`, or fails after `timeout`. A page that is being
    /// replaced (a navigation) counts as "not yet".
    pub async fn wait_for(&self, what: &str, js: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let now = self
                .page
                .evaluate(js)
                .await
                .ok()
                .and_then(|r| r.value().cloned());
            if now == Some(serde_json::Value::Bool(true)) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("timed out after {timeout:?} waiting for {what} (`{js}`)");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element, scrolled into view.
    async fn scrolled_to(&self, selector: &str) -> chromiumoxide::Element {
        let el = self
            .page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("no `{selector}`: {e}"));
        let scroll = ScrollIntoViewIfNeededParams::builder()
            .backend_node_id(el.backend_node_id)
            .build();
        let _ = self.page.execute(scroll).await;
        el
    }

    /// Taps an element as a finger would: scrolls it (with the mouse wheel) clear of the sticky
    /// header and the bottom navigation, then clicks its centre. Needs no page JavaScript.
    pub async fn tap(&self, selector: &str) {
        let el = self.scrolled_to(selector).await;
        for _ in 0..6 {
            let point = el
                .clickable_point()
                .await
                .unwrap_or_else(|e| panic!("`{selector}` is not visible: {e}"));
            if point.y >= SAFE_TOP && point.y <= f64::from(PHONE.1) - SAFE_BOTTOM {
                self.page
                    .click(point)
                    .await
                    .unwrap_or_else(|e| panic!("tap `{selector}`: {e}"));
                return;
            }
            let wheel = DispatchMouseEventParams::builder()
                .r#type(DispatchMouseEventType::MouseWheel)
                .x(f64::from(PHONE.0) / 2.0)
                .y(f64::from(PHONE.1) / 2.0)
                .delta_x(0.0)
                .delta_y(point.y - f64::from(PHONE.1) / 2.0)
                .build()
                .expect("wheel event");
            self.page.execute(wheel).await.expect("scroll");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        panic!("could not bring `{selector}` clear of the header and navigation");
    }

    /// Drags across an element with the mouse, from and to fractions of its width and height
    /// (pressed, moved in steps, released), after scrolling it into view.
    pub async fn drag(&self, selector: &str, from: (f64, f64), to: (f64, f64)) {
        self.scrolled_to(selector).await;
        let rect = self
            .eval(&format!(
                "(() => {{ const r = document.querySelector({selector:?}).getBoundingClientRect(); \
                 return [r.left, r.top, r.width, r.height]; }})()"
            ))
            .await;
        let n = |i: usize| {
            rect[i]
                .as_f64()
                .unwrap_or_else(|| panic!("`{selector}` has no box"))
        };
        let point = |f: (f64, f64)| (n(0) + n(2) * f.0, n(1) + n(3) * f.1);
        let mouse = |kind: DispatchMouseEventType, (x, y): (f64, f64), buttons: i64| {
            DispatchMouseEventParams::builder()
                .r#type(kind)
                .x(x)
                .y(y)
                .button(chromiumoxide::cdp::browser_protocol::input::MouseButton::Left)
                .buttons(buttons)
                .click_count(1)
                .build()
                .expect("mouse event")
        };
        let (a, b) = (point(from), point(to));
        self.page
            .execute(mouse(DispatchMouseEventType::MousePressed, a, 1))
            .await
            .expect("press");
        for step in 1..=5 {
            let t = f64::from(step) / 5.0;
            let p = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
            self.page
                .execute(mouse(DispatchMouseEventType::MouseMoved, p, 1))
                .await
                .expect("move");
        }
        self.page
            .execute(mouse(DispatchMouseEventType::MouseReleased, b, 0))
            .await
            .expect("release");
    }

    /// Taps a text field and enters text as a phone keyboard (IME) commits it.
    pub async fn type_into(&self, selector: &str, text: &str) {
        self.tap(selector).await;
        self.page
            .execute(InsertTextParams::new(text))
            .await
            .unwrap_or_else(|e| panic!("type into `{selector}`: {e}"));
    }

    /// Chooses a file in a file input, as the phone's picker would.
    pub async fn attach(&self, selector: &str, file: &Path) {
        let input = self
            .page
            .find_element(selector)
            .await
            .unwrap_or_else(|e| panic!("no `{selector}`: {e}"));
        let params = SetFileInputFilesParams::builder()
            .files(vec![file.display().to_string()])
            .backend_node_id(input.backend_node_id)
            .build()
            .expect("file input params");
        self.page
            .execute(params)
            .await
            .unwrap_or_else(|e| panic!("attach to `{selector}`: {e}"));
    }

    /// The phone's own view of the network (`navigator.onLine`, the `online`/`offline` events,
    /// its requests), by Chromium's network emulation.
    pub async fn set_offline(&self, offline: bool) {
        // One rule for every URL (an empty pattern): no throttling, only on or off.
        let every_request = NetworkConditions::new("", 0.0, -1.0, -1.0);
        let requests = EmulateNetworkConditionsByRuleParams::new(offline, vec![every_request]);
        self.page
            .execute(requests)
            .await
            .unwrap_or_else(|e| panic!("emulate offline={offline}: {e}"));
        let navigator = OverrideNetworkStateParams::builder()
            .offline(offline)
            .latency(0.0)
            .download_throughput(-1.0)
            .upload_throughput(-1.0)
            .build()
            .expect("network state");
        self.page
            .execute(navigator)
            .await
            .unwrap_or_else(|e| panic!("navigator.onLine={}: {e}", !offline));
    }

    /// The outer HTML of the first element matching `selector`, read through the DevTools DOM
    /// (works with page JavaScript switched off).
    pub async fn outer_html(&self, selector: &str) -> Option<String> {
        let el = self.page.find_element(selector).await.ok()?;
        let params = GetOuterHtmlParams::builder()
            .backend_node_id(el.backend_node_id)
            .build();
        self.page
            .execute(params)
            .await
            .ok()
            .map(|r| r.result.outer_html.clone())
    }

    /// The page's current URL.
    pub async fn url(&self) -> String {
        self.page.url().await.ok().flatten().unwrap_or_default()
    }

    /// Waits until the URL contains `part` (a navigation finished), or fails after `timeout`.
    pub async fn wait_for_url(&self, part: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while !self.url().await.contains(part) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "never reached a URL with `{part}`; at {}",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// What the current document's Content-Security-Policy blocked.
    pub async fn csp_violations(&self) -> Vec<String> {
        match self.eval("window.__csp || []").await {
            serde_json::Value::Array(v) => v.into_iter().map(|x| x.to_string()).collect(),
            _ => Vec::new(),
        }
    }

    /// Fails if the page threw or its policy blocked anything.
    pub async fn assert_clean(&self) {
        assert!(
            self.exceptions().is_empty(),
            "uncaught exceptions: {:?}",
            self.exceptions()
        );
        let blocked = self.csp_violations().await;
        assert!(
            blocked.is_empty(),
            "blocked by the Content-Security-Policy: {blocked:?}"
        );
    }

    /// The text of the page's `<main>` (read with page JavaScript).
    pub async fn main_text(&self) -> String {
        self.eval("document.querySelector('main') ? document.querySelector('main').innerText : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Submits the form an element belongs to by tapping it, and waits for the next page.
    pub async fn tap_and_wait(&self, selector: &str, url_part: &str) {
        // Marks this document: the next page is the one without the mark.
        self.eval("window.__left = true").await;
        self.tap(selector).await;
        self.wait_for(
            "the next page",
            "window.__left !== true && document.readyState === 'complete'",
            Duration::from_secs(20),
        )
        .await;
        self.wait_for_url(url_part, Duration::from_secs(20)).await;
    }

    /// Uncaught exceptions thrown by the page so far.
    pub fn exceptions(&self) -> Vec<String> {
        self.errors.lock().expect("errors lock").clone()
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = failure_dir();
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{name}.png"));
        let _ = self
            .page
            .save_screenshot(ScreenshotParams::builder().full_page(true).build(), &path)
            .await;
        path
    }
}

/// Runs a browser test on a fresh phone tab; if it fails, saves a screenshot named after the
/// test under `target/browser-failures/` before failing.
pub async fn on_phone<F, Fut>(name: &str, test: F)
where
    F: FnOnce(PhonePage) -> Fut,
    Fut: Future<Output = ()>,
{
    let chromium = Chromium::launch().await;
    let page = chromium.phone_page().await;
    let outcome = match tokio::time::timeout(
        TEST_TIMEOUT,
        AssertUnwindSafe(test(page.clone())).catch_unwind(),
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(_) => Err(Box::new(format!(
            "browser test {name} did not finish within {TEST_TIMEOUT:?}"
        )) as Box<dyn std::any::Any + Send>),
    };
    if let Err(panic) = outcome {
        let shot = page.screenshot(name).await;
        eprintln!("browser test {name} failed; screenshot: {}", shot.display());
        std::panic::resume_unwind(panic);
    }
}

/// Runs a test that drives several phones (tabs) of one browser; if it fails or hangs, saves a
/// screenshot of each under `target/browser-failures/` before failing.
pub async fn with_phones<F, Fut>(name: &str, phones: &[&PhonePage], test: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let outcome =
        tokio::time::timeout(TEST_TIMEOUT * 2, AssertUnwindSafe(test()).catch_unwind()).await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        for (i, p) in phones.iter().enumerate() {
            let shot = p.screenshot(&format!("{name}-{i}")).await;
            eprintln!("screenshot: {}", shot.display());
        }
        match outcome {
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            _ => panic!("{name} did not finish in time"),
        }
    }
}
