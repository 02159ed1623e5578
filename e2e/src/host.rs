//! A host site: the web server of a page that embeds the widget, on its own
//! loopback port, so on another origin than the backend the widget comes
//! from (as a customer's site is).
//!
//! It serves the folder `examples/` of the repository, and pages a test
//! adds itself ([`HostSite::add_page`]). The examples name the backend of
//! `cargo xtask dev` (`http://127.0.0.1:3000`) and, in the strict CSP, the
//! embedded store as `http://127.0.0.1:*`; [`HostSite::replace`] puts the
//! test's own addresses in their place in every page and script served.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The backend address the examples are written for (`cargo xtask dev`).
pub const EXAMPLES_BACKEND: &str = "http://127.0.0.1:3000";

/// How the strict-CSP example names the embedded store, whose port changes
/// at every start.
pub const EXAMPLES_STORE: &str = "http://127.0.0.1:*";

#[derive(Default)]
struct Site {
    /// Text replaced in every page and script served, in order.
    replacements: Vec<(String, String)>,
    /// Pages added by the test, by path.
    pages: BTreeMap<String, String>,
}

/// The running host site.
pub struct HostSite {
    addr: SocketAddr,
    site: Arc<Mutex<Site>>,
    task: JoinHandle<()>,
}

impl HostSite {
    /// Binds `127.0.0.1:0` and serves `examples/`.
    pub async fn bind() -> HostSite {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the host site binds");
        let addr = listener.local_addr().expect("the host site's address");
        let site = Arc::new(Mutex::new(Site::default()));
        let serving = site.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let site = serving.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| serve(site.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        HostSite { addr, site, task }
    }

    /// `http://127.0.0.1:PORT`: the page's origin, to allow on the backend
    /// (`--allow-origin`).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address of `path` (`/host/index.html`) on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// Serves every text file with `from` replaced by `to`.
    pub fn replace(&self, from: &str, to: &str) {
        let mut site = self.site.lock().unwrap();
        site.replacements.push((from.to_owned(), to.to_owned()));
    }

    /// Serves `html` at `path`.
    pub fn add_page(&self, path: &str, html: &str) {
        let mut site = self.site.lock().unwrap();
        site.pages.insert(path.to_owned(), html.to_owned());
    }
}

impl Drop for HostSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `examples/` of the repository.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("e2e lives one folder below the workspace root")
        .join("examples")
}

async fn serve(
    site: Arc<Mutex<Site>>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    if path == "/favicon.ico" {
        // Browsers ask for it; a 404 would show as an error in the console.
        return Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Full::new(Bytes::new()))
            .unwrap());
    }
    let added = site.lock().unwrap().pages.get(&path).cloned();
    let body = match added {
        Some(html) => Some(html.into_bytes()),
        None if path.split('/').any(|segment| segment == "..") => None,
        None => tokio::fs::read(examples_dir().join(path.trim_start_matches('/')))
            .await
            .ok(),
    };
    let Some(mut body) = body else {
        return Ok(Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found")))
            .unwrap());
    };
    let kind = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    if kind.starts_with("text/") {
        let mut text = String::from_utf8_lossy(&body).into_owned();
        for (from, to) in &site.lock().unwrap().replacements {
            text = text.replace(from.as_str(), to);
        }
        body = text.into_bytes();
    }
    Ok(Response::builder()
        .header(CONTENT_TYPE, kind)
        .header(CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(body)))
        .unwrap())
}
