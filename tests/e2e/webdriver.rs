//! A small W3C WebDriver client over reqwest, blocking (already a dependency of this package): the dozen
//! commands the e2e test uses. Why not fantoccini: its `webdriver` crate pulls `icu_segmenter`,
//! whose `yoke-derive` turns on syn's `fold` feature; in `cargo test --workspace` that changes syn
//! for every proc macro, so serde, glib, gtk, wry and tauri would be rebuilt each time it
//! alternates with `cargo build -p recoup-desktop`.

use std::fmt;
use std::io::Read as _;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// The key under which WebDriver names an element in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The longest one WebDriver command may take (creating the session launches the app).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// A failed WebDriver command: the remote end's error code and message, or a transport failure.
#[derive(Debug, Clone)]
pub struct WdError {
    /// `no such element`, `stale element reference`, `element click intercepted`, ... or
    /// `transport` when the driver could not be reached.
    pub error: String,
    /// What the driver said.
    pub message: String,
}

impl fmt::Display for WdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// A result of a WebDriver command.
pub type WdResult<T> = Result<T, WdError>;

/// A WebDriver element reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(pub String);

impl Element {
    fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// One WebDriver session.
pub struct Session {
    agent: reqwest::blocking::Client,
    /// `http://host:port/session/<id>`.
    base: String,
}

fn agent() -> reqwest::blocking::Client {
    recoup_tests::http_client(Some(COMMAND_TIMEOUT))
}

fn request(
    agent: &reqwest::blocking::Client,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> WdResult<Value> {
    let transport = |e: &dyn std::fmt::Display| WdError {
        error: "transport".into(),
        message: format!("{method} {url}: {e}"),
    };
    let answer = match (method, body) {
        ("GET", _) => agent.get(url),
        ("DELETE", _) => agent.delete(url),
        (_, Some(body)) => agent.post(url).json(body),
        (_, None) => agent.post(url).json(&json!({})),
    }
    .send()
    // The causes too: "error sending request" alone does not say a timeout from a reset.
    .map_err(|e| transport(&recoup_api::net::error_chain(&e)))?;
    let ok = answer.status().is_success();
    let mut bytes = Vec::new();
    answer
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| transport(&e))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| transport(&e))?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if ok {
        Ok(value)
    } else {
        Err(WdError {
            error: value
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error")
                .to_owned(),
            message: value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

fn element_of(v: &Value) -> WdResult<Element> {
    v.get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|id| Element(id.to_owned()))
        .ok_or_else(|| WdError {
            error: "bad answer".into(),
            message: format!("not an element reference: {v}"),
        })
}

impl Session {
    /// Opens a session on `driver_url` with `alwaysMatch` capabilities.
    pub fn new(driver_url: &str, capabilities: Value) -> WdResult<Self> {
        let agent = agent();
        let v = request(
            &agent,
            "POST",
            &format!("{driver_url}/session"),
            Some(&json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )?;
        let id = v
            .get("sessionId")
            .and_then(Value::as_str)
            .ok_or_else(|| WdError {
                error: "bad answer".into(),
                message: format!("no sessionId in {v}"),
            })?;
        Ok(Self {
            agent,
            base: format!("{driver_url}/session/{id}"),
        })
    }

    fn get(&self, path: &str) -> WdResult<Value> {
        request(&self.agent, "GET", &format!("{}{path}", self.base), None)
    }

    fn post(&self, path: &str, body: Value) -> WdResult<Value> {
        request(
            &self.agent,
            "POST",
            &format!("{}{path}", self.base),
            Some(&body),
        )
    }

    /// Every element matching the CSS selector, in document order.
    pub fn find_all(&self, css: &str) -> WdResult<Vec<Element>> {
        let v = self.post(
            "/elements",
            json!({ "using": "css selector", "value": css }),
        )?;
        v.as_array()
            .map(|a| a.iter().map(element_of).collect())
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    /// Every element matching the CSS selector inside `parent`.
    pub fn find_all_in(&self, parent: &Element, css: &str) -> WdResult<Vec<Element>> {
        let v = self.post(
            &format!("/element/{}/elements", parent.0),
            json!({ "using": "css selector", "value": css }),
        )?;
        v.as_array()
            .map(|a| a.iter().map(element_of).collect())
            .unwrap_or_else(|| Ok(Vec::new()))
    }

    /// Whether the element is rendered visibly.
    pub fn is_displayed(&self, e: &Element) -> WdResult<bool> {
        Ok(self
            .get(&format!("/element/{}/displayed", e.0))?
            .as_bool()
            .unwrap_or(false))
    }

    /// Whether the element is enabled (not `disabled`).
    pub fn is_enabled(&self, e: &Element) -> WdResult<bool> {
        Ok(self
            .get(&format!("/element/{}/enabled", e.0))?
            .as_bool()
            .unwrap_or(false))
    }

    /// The element's rendered text.
    pub fn text(&self, e: &Element) -> WdResult<String> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// An attribute of the element, if present.
    pub fn attr(&self, e: &Element, name: &str) -> WdResult<Option<String>> {
        Ok(self
            .get(&format!("/element/{}/attribute/{name}", e.0))?
            .as_str()
            .map(str::to_owned))
    }

    /// Clicks the element (scrolled into view; fails when something else would get the click).
    pub fn click(&self, e: &Element) -> WdResult<()> {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .map(drop)
    }

    /// Clears a text field.
    pub fn clear(&self, e: &Element) -> WdResult<()> {
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .map(drop)
    }

    /// Focuses the element and types `text` into it (WebDriver key codes allowed).
    pub fn send_keys(&self, e: &Element, text: &str) -> WdResult<()> {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }))
            .map(drop)
    }

    /// The focused element.
    pub fn active_element(&self) -> WdResult<Element> {
        element_of(&self.get("/element/active")?)
    }

    /// Runs a script (a function body with `arguments`); elements in `args` are passed as
    /// references with [`Session::arg`].
    pub fn execute(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
    }

    /// Runs an asynchronous script: it ends by calling its last argument (the callback) with
    /// the result.
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.post("/execute/async", json!({ "script": script, "args": args }))
    }

    /// An element as a script argument.
    pub fn arg(e: &Element) -> Value {
        e.json()
    }

    /// Performs input actions (W3C actions JSON), then releases every key and button.
    pub fn perform_actions(&self, actions: Value) -> WdResult<()> {
        self.post("/actions", json!({ "actions": actions }))?;
        request(
            &self.agent,
            "DELETE",
            &format!("{}/actions", self.base),
            None,
        )
        .map(drop)
    }

    /// A right click in the middle of `e`.
    pub fn context_click(&self, e: &Element) -> WdResult<()> {
        self.perform_actions(json!([{
            "type": "pointer",
            "id": "mouse",
            "parameters": { "pointerType": "mouse" },
            "actions": [
                { "type": "pointerMove", "origin": e.json(), "x": 0, "y": 0 },
                { "type": "pointerDown", "button": 2 },
                { "type": "pointerUp", "button": 2 }
            ]
        }]))
    }

    /// Resizes the window (W3C `Set Window Rect`) and answers the rect the window got.
    pub fn set_window_size(&self, width: u32, height: u32) -> WdResult<Value> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
    }

    /// The window's rect (W3C `Get Window Rect`): `{x, y, width, height}`.
    pub fn window_rect(&self) -> WdResult<Value> {
        self.get("/window/rect")
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> WdResult<Vec<u8>> {
        let v = self.get("/screenshot")?;
        let b64 = v.as_str().ok_or_else(|| WdError {
            error: "bad answer".into(),
            message: "the screenshot is not a string".into(),
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| WdError {
                error: "bad answer".into(),
                message: format!("the screenshot is not base64: {e}"),
            })
    }

    /// Ends the session (the app quits).
    pub fn close(&self) -> WdResult<()> {
        request(&self.agent, "DELETE", &self.base, None).map(drop)
    }
}

/// WebDriver key codes.
pub mod keys {
    /// Shift.
    pub const SHIFT: char = '\u{e008}';
    /// F10.
    pub const F10: char = '\u{e03a}';
    /// Tab.
    pub const TAB: char = '\u{e004}';
}
