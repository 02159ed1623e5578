//! A small HTTP proxy between the browser and the embedded S3, for the tests
//! that need a bad network: it counts every request, can fail a share of part
//! uploads (500, 503, or a connection reset mid-body), and can throttle
//! request bodies.
//!
//! The backend is started with `--public-s3-endpoint` naming the proxy, so
//! presigned URLs point here; the proxy forwards each request unchanged
//! (`Host` included, so the signature still matches) and streams the body on,
//! so the store checks a URL's expiry when the request starts, as AWS does.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, ORIGIN};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::ReceiverStream;

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// A failure the proxy injects instead of forwarding a part upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    InternalError,
    ServiceUnavailable,
    /// Half the body is read, then the connection is dropped.
    ResetMidBody,
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Forwarded; the store answered this status.
    Forwarded(u16),
    /// Forwarded, but the browser or the store broke off before an answer.
    Broken,
    Injected(Fault),
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Record {
    pub method: String,
    pub path: String,
    /// `partNumber` of an UploadPart.
    pub part_number: Option<u32>,
    /// `X-Amz-Date` of the presigned URL: when it was signed.
    pub signed_at: Option<String>,
    pub outcome: Outcome,
    /// When the request arrived.
    pub started: Instant,
    /// When its outcome was known.
    pub at: Instant,
}

impl Record {
    pub fn is_part_upload(&self) -> bool {
        self.method == "PUT" && self.part_number.is_some()
    }

    /// A PUT of a video's bytes (whole, or a part): not of its poster.
    pub fn is_video_put(&self) -> bool {
        is_video_put(&self.method, &self.path)
    }

    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Forwarded(status) if (200..300).contains(&status))
    }
}

/// A request as it arrived, before anything happened to it. A request the
/// browser breaks off while it is forwarded never gets a [`Record`] (the
/// connection closes and its handling is dropped), but it has an arrival.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub method: String,
    pub path: String,
    pub at: Instant,
}

impl Arrival {
    /// A PUT of a video's bytes (whole, or a part): not of its poster.
    pub fn is_video_put(&self) -> bool {
        is_video_put(&self.method, &self.path)
    }
}

fn is_video_put(method: &str, path: &str) -> bool {
    method == "PUT" && !path.ends_with(vidrop_shared::keys::POSTER_SUFFIX)
}

/// What the proxy does to traffic; change it at any time.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Share of part uploads to fail, 0.0 to 1.0; the faults cycle through
    /// 500, 503 and a reset.
    pub part_failure_rate: f64,
    /// Most bytes a second of one request's body.
    pub body_bytes_per_sec: Option<u64>,
}

struct Shared {
    upstream: OnceLock<SocketAddr>,
    conditions: Mutex<Conditions>,
    records: Mutex<Vec<Record>>,
    arrivals: Mutex<Vec<Arrival>>,
    /// xorshift state: the same faults in the same order on every run.
    random: Mutex<u64>,
    faults_injected: Mutex<u64>,
}

/// The running proxy.
pub struct StoreProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl StoreProxy {
    /// Binds `127.0.0.1:0`; traffic is forwarded once [`set_upstream`] names
    /// the store.
    ///
    /// [`set_upstream`]: StoreProxy::set_upstream
    pub async fn bind() -> StoreProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            upstream: OnceLock::new(),
            conditions: Mutex::new(Conditions::default()),
            records: Mutex::new(Vec::new()),
            arrivals: Mutex::new(Vec::new()),
            random: Mutex::new(0x9E37_79B9_7F4A_7C15),
            faults_injected: Mutex::new(0),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    // A reset is an error here by design; nothing to report.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        StoreProxy { addr, shared, task }
    }

    /// `http://127.0.0.1:PORT`: what the backend names in presigned URLs.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where requests go: the embedded store's endpoint.
    pub fn set_upstream(&self, endpoint: &str) {
        let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
        let addr = authority.parse().expect("the store's endpoint is ip:port");
        self.shared
            .upstream
            .set(addr)
            .expect("the upstream is set once");
    }

    pub fn set_conditions(&self, conditions: Conditions) {
        *self.shared.conditions.lock().unwrap() = conditions;
    }

    /// Every request so far, in arrival order of their outcomes.
    pub fn records(&self) -> Vec<Record> {
        self.shared.records.lock().unwrap().clone()
    }

    /// Every request as it arrived, in order, whatever became of it.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.shared.arrivals.lock().unwrap().clone()
    }

    /// Part uploads only.
    pub fn part_uploads(&self) -> Vec<Record> {
        self.records()
            .into_iter()
            .filter(Record::is_part_upload)
            .collect()
    }

    /// Part numbers the store accepted.
    pub fn stored_part_numbers(&self) -> BTreeSet<u32> {
        self.part_uploads()
            .iter()
            .filter(|record| record.succeeded())
            .filter_map(|record| record.part_number)
            .collect()
    }

    /// Waits until the store has accepted at least `count` parts.
    pub async fn wait_for_stored_parts(&self, count: usize, timeout: Duration) {
        let started = Instant::now();
        while self.stored_part_numbers().len() < count {
            assert!(
                started.elapsed() < timeout,
                "{count} parts not stored within {timeout:?}: {}",
                self.summary()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A line for logs and closing notes: how many part uploads, how many
    /// failed on purpose and how.
    pub fn summary(&self) -> String {
        let parts = self.part_uploads();
        let count = |fault| {
            parts
                .iter()
                .filter(|r| r.outcome == Outcome::Injected(fault))
                .count()
        };
        format!(
            "{} part PUTs: {} stored, {} answered 500, {} answered 503, {} reset mid-body, {} broken off, {} other",
            parts.len(),
            parts.iter().filter(|r| r.succeeded()).count(),
            count(Fault::InternalError),
            count(Fault::ServiceUnavailable),
            count(Fault::ResetMidBody),
            parts
                .iter()
                .filter(|r| r.outcome == Outcome::Broken)
                .count(),
            parts
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Forwarded(s) if !(200..300).contains(&s)))
                .count(),
        )
    }
}

impl Drop for StoreProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let part_number = query_value(&query, "partNumber").and_then(|n| n.parse().ok());
    let signed_at = query_value(&query, "X-Amz-Date").map(str::to_owned);
    let started = Instant::now();
    shared.arrivals.lock().unwrap().push(Arrival {
        method: method.clone(),
        path: path.clone(),
        at: started,
    });
    let record = |outcome| Record {
        method: method.clone(),
        path: path.clone(),
        part_number,
        signed_at: signed_at.clone(),
        outcome,
        started,
        at: Instant::now(),
    };

    let conditions = shared.conditions.lock().unwrap().clone();
    let fault = if method == "PUT" && part_number.is_some() {
        pick_fault(&shared, conditions.part_failure_rate)
    } else {
        None
    };
    if let Some(fault) = fault {
        shared
            .records
            .lock()
            .unwrap()
            .push(record(Outcome::Injected(fault)));
        return inject(fault, request).await;
    }

    let upstream = *shared.upstream.get().expect("the proxy's upstream is set");
    match forward(upstream, request, conditions.body_bytes_per_sec).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let (parts, body) = response.into_parts();
            // Read the answer whole, so a record means the browser got it.
            let body = body.collect().await.map(|b| b.to_bytes());
            match body {
                Ok(bytes) => {
                    shared
                        .records
                        .lock()
                        .unwrap()
                        .push(record(Outcome::Forwarded(status)));
                    Ok(Response::from_parts(parts, full(bytes)))
                }
                Err(error) => {
                    shared.records.lock().unwrap().push(record(Outcome::Broken));
                    Err(std::io::Error::other(error))
                }
            }
        }
        Err(error) => {
            shared.records.lock().unwrap().push(record(Outcome::Broken));
            Err(error)
        }
    }
}

/// Sends the request on to the store over a new connection, its body streamed
/// (and throttled) as it arrives.
async fn forward(
    upstream: SocketAddr,
    request: Request<Incoming>,
    bytes_per_sec: Option<u64>,
) -> Result<Response<Incoming>, std::io::Error> {
    let stream = TcpStream::connect(upstream).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(std::io::Error::other)?;
    tokio::spawn(connection);

    let (parts, mut body) = request.into_parts();
    let (frames, receiver) = mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(4);
    tokio::spawn(async move {
        let started = Instant::now();
        let mut sent: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(std::io::Error::other);
            if let (Ok(frame), Some(rate)) = (&frame, bytes_per_sec)
                && let Some(data) = frame.data_ref()
            {
                sent += data.len() as u64;
                let due = Duration::from_secs_f64(sent as f64 / rate as f64);
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    tokio::time::sleep(wait).await;
                }
            }
            let failed = frame.is_err();
            if frames.send(frame).await.is_err() || failed {
                return;
            }
        }
    });
    let body = StreamBody::new(ReceiverStream::new(receiver));
    sender
        .send_request(Request::from_parts(parts, body))
        .await
        .map_err(std::io::Error::other)
}

/// Answers a fault. Error answers carry CORS headers, as a store's do, so the
/// browser sees the status rather than a blocked response.
async fn inject(
    fault: Fault,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::io::Error> {
    let origin = request.headers().get(ORIGIN).cloned();
    let length: u64 = request
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = request.into_body();
    let mut read: u64 = 0;
    let enough = match fault {
        Fault::ResetMidBody => length / 2,
        _ => length,
    };
    while read < enough.max(1) {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len() as u64),
            _ => break,
        }
    }
    let (status, code) = match fault {
        Fault::ResetMidBody => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected reset",
            ));
        }
        Fault::InternalError => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
        Fault::ServiceUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "SlowDown"),
    };
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error>"
    );
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/xml");
    if let Some(origin) = origin {
        response = response
            .header("access-control-allow-origin", origin)
            .header(
                "access-control-expose-headers",
                HeaderValue::from_static("ETag"),
            );
    }
    Ok(response
        .body(full(Bytes::from(xml)))
        .expect("a valid response"))
}

fn pick_fault(shared: &Shared, rate: f64) -> Option<Fault> {
    if rate <= 0.0 {
        return None;
    }
    let draw = {
        let mut state = shared.random.lock().unwrap();
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    };
    if draw >= rate {
        return None;
    }
    let mut injected = shared.faults_injected.lock().unwrap();
    *injected += 1;
    Some(match *injected % 3 {
        1 => Fault::InternalError,
        2 => Fault::ServiceUnavailable,
        _ => Fault::ResetMidBody,
    })
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn full(bytes: Bytes) -> ProxyBody {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}
