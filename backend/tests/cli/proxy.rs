//! A reverse proxy between the `vidrop` client and the embedded store,
//! named in presigned URLs with `--public-s3-endpoint`: it forwards every
//! request as it came (the `Host` the URL was signed for included), counts
//! the parts of multipart uploads that go through, and can hold or refuse
//! them, so a test can interrupt an upload at a known point.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the proxy does with `PUT`s of parts (`?partNumber=…`); every
/// other request is forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward them.
    Pass,
    /// Forward the first `n` (counted from this mode on), then hold every
    /// other one forever: the client sees an upload that stalls.
    HoldAfter(usize),
    /// Answer `403` with an S3 error document.
    Refuse,
}

/// The `Message` of the S3 error [`Mode::Refuse`] answers.
pub const REFUSAL: &str = "The proxy refuses this part";

#[derive(Debug)]
struct Shared {
    /// The store's endpoint (`http://127.0.0.1:PORT`), once it is known.
    target: Mutex<Option<String>>,
    mode: Mutex<Mode>,
    /// Parts let through since the mode was set.
    admitted: AtomicUsize,
    /// Part numbers the store stored (answered 2xx), in order.
    stored: Mutex<Vec<u32>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    http: reqwest::Client,
}

/// A running proxy.
#[derive(Debug, Clone)]
pub struct StoreProxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

impl StoreProxy {
    /// Starts a proxy on `127.0.0.1:0`; it forwards once
    /// [`StoreProxy::forward_to`] names the store.
    pub async fn start() -> StoreProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the proxy");
        let addr = listener.local_addr().expect("its address");
        let shared = Arc::new(Shared {
            target: Mutex::new(None),
            mode: Mutex::new(Mode::Pass),
            admitted: AtomicUsize::new(0),
            stored: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            http: reqwest::Client::new(),
        });
        let app = Router::new()
            .fallback(forward)
            .with_state(Arc::clone(&shared));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StoreProxy { addr, shared }
    }

    /// `http://127.0.0.1:PORT`, for `--public-s3-endpoint`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn forward_to(&self, endpoint: &str) {
        *self.shared.target.lock().unwrap() = Some(endpoint.to_owned());
    }

    /// Sets what happens to parts from now on, and forgets what was counted.
    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = mode;
        self.shared.admitted.store(0, Ordering::SeqCst);
        self.shared.stored.lock().unwrap().clear();
        self.shared.most_in_flight.store(0, Ordering::SeqCst);
    }

    /// The part numbers stored through the proxy since the mode was set.
    pub fn stored_parts(&self) -> Vec<u32> {
        self.shared.stored.lock().unwrap().clone()
    }

    /// The most part uploads that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.shared.most_in_flight.load(Ordering::SeqCst)
    }
}

/// The `partNumber` of a request's query, if it has one.
fn part_number(request: &Request) -> Option<u32> {
    request.uri().query()?.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name == "partNumber").then(|| value.parse().ok())?
    })
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let part = part_number(&request).filter(|_| request.method() == Method::PUT);
    if part.is_some() {
        let mode = *shared.mode.lock().unwrap();
        match mode {
            Mode::Pass => {}
            Mode::HoldAfter(n) => {
                if shared.admitted.fetch_add(1, Ordering::SeqCst) >= n {
                    std::future::pending::<()>().await;
                }
            }
            Mode::Refuse => {
                // Read first, as S3 does: a refusal sent before the body
                // is read can reach the client as a reset connection.
                let _ = axum::body::to_bytes(request.into_body(), usize::MAX).await;
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{REFUSAL}</Message></Error>"
                );
                return (StatusCode::FORBIDDEN, body).into_response();
            }
        }
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.most_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    let response = send(&shared, request).await;
    if let Some(number) = part {
        shared.in_flight.fetch_sub(1, Ordering::SeqCst);
        if response.status().is_success() {
            shared.stored.lock().unwrap().push(number);
        }
    }
    response
}

/// Forwards `request` to the store, headers and body as they came.
async fn send(shared: &Shared, request: Request) -> Response {
    let Some(target) = shared.target.lock().unwrap().clone() else {
        return (StatusCode::BAD_GATEWAY, "no store yet").into_response();
    };
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut forwarded = shared.http.request(parts.method, format!("{target}{path}"));
    for (name, value) in &parts.headers {
        if name != header::CONNECTION && name != header::TRANSFER_ENCODING {
            forwarded = forwarded.header(name, value);
        }
    }
    let body = reqwest::Body::wrap_stream(body.into_data_stream());
    match forwarded.body(body).send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                if name != header::CONNECTION && name != header::TRANSFER_ENCODING {
                    response = response.header(name, value);
                }
            }
            response
                .body(Body::from_stream(answer.bytes_stream()))
                .expect("a response")
        }
        Err(err) => (StatusCode::BAD_GATEWAY, err.to_string()).into_response(),
    }
}
