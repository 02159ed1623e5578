//! A small HTTP proxy between the browser and the embedded S3, for the tests
//! that need a bad network: it counts every request, can fail a share of part
//! uploads (500, 503, or a connection reset mid-body), can throttle request
//! bodies, and can make a WAN-like link ([`Conditions`]): a delay added to
//! every request, a bandwidth cap per connection and one shared by all
//! connections (token buckets on request bodies).
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

/// Requests in flight at once: see [`StoreProxy::parts_in_flight`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct InFlight {
    pub peak: usize,
    pub mean: f64,
}

/// How long after the browser has an answer the proxy may record it: the
/// browser can start its next request meanwhile, so overlaps shorter than
/// this are not two requests at once.
pub const HANDOFF: std::time::Duration = std::time::Duration::from_millis(50);

/// [`InFlight`] of `records`, each in flight from `started` to `at` (less
/// [`HANDOFF`], for the peak).
pub fn in_flight(records: &[Record]) -> InFlight {
    let mut events: Vec<(Instant, i32)> = records
        .iter()
        .flat_map(|record| {
            let end = record.at.checked_sub(HANDOFF).unwrap_or(record.at);
            [(record.started, 1), (end.max(record.started), -1)]
        })
        .collect();
    // An answer and an arrival at the same instant do not overlap.
    events.sort();
    let (mut now, mut peak) = (0i32, 0i32);
    for (_, change) in &events {
        now += change;
        peak = peak.max(now);
    }
    let span = match (events.first(), events.last()) {
        (Some((first, _)), Some((last, _))) => last.duration_since(*first).as_secs_f64(),
        _ => 0.0,
    };
    let busy: f64 = records
        .iter()
        .map(|record| record.at.duration_since(record.started).as_secs_f64())
        .sum();
    InFlight {
        peak: peak as usize,
        mean: if span > 0.0 { busy / span } else { 0.0 },
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

/// What the proxy does to traffic; change it at any time (a request keeps
/// the conditions it arrived under).
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Share of part uploads to fail, 0.0 to 1.0; the faults cycle through
    /// 500, 503 and a reset.
    pub part_failure_rate: f64,
    /// Most bytes a second of one request's body.
    pub body_bytes_per_sec: Option<u64>,
    /// Added to every request before it is forwarded (or answered with a
    /// fault): a WAN's round trip. Preflights pay it too.
    pub latency: Duration,
    /// Most bytes a second of request bodies on one connection from the
    /// browser (a token bucket per connection, [`BURST_BYTES`] deep): what
    /// one TCP stream gets on a long fat link.
    pub connection_bytes_per_sec: Option<u64>,
    /// Most bytes a second of request bodies over all connections together
    /// (one token bucket, [`BURST_BYTES`] deep, that every connection takes
    /// from): the link's capacity.
    pub total_bytes_per_sec: Option<u64>,
}

/// How many bytes a token bucket lets through at once after an idle spell.
pub const BURST_BYTES: u64 = 64 * 1024;

/// The largest piece of a body sent on at once under a bandwidth cap, so
/// connections sharing the total cap take turns finely.
const PACE_CHUNK: usize = 16 * 1024;

/// A token bucket kept as a schedule (GCRA): `tat` is when the bucket will
/// be full again given what was taken so far.
#[derive(Debug, Default)]
struct Bucket {
    tat: Option<Instant>,
}

impl Bucket {
    /// Takes `bytes` at `rate` bytes a second; answers when they may go.
    fn reserve(&mut self, bytes: u64, rate: u64) -> Instant {
        let now = Instant::now();
        let rate = rate.max(1) as f64;
        let tat = self.tat.map_or(now, |tat| tat.max(now));
        let tat = tat + Duration::from_secs_f64(bytes as f64 / rate);
        self.tat = Some(tat);
        let burst = Duration::from_secs_f64(BURST_BYTES as f64 / rate);
        tat.checked_sub(burst).map_or(now, |at| at.max(now))
    }
}

/// The bandwidth a request's body is held to: its own rate, its
/// connection's bucket, the link's bucket.
struct Throttle {
    request_bytes_per_sec: Option<u64>,
    connection: Option<(Arc<Mutex<Bucket>>, u64)>,
    total: Option<(Arc<Mutex<Bucket>>, u64)>,
}

impl Throttle {
    fn is_open(&self) -> bool {
        self.request_bytes_per_sec.is_none() && self.connection.is_none() && self.total.is_none()
    }

    /// Waits until `bytes` more may go on the connection and on the link.
    async fn take(&self, bytes: u64) {
        for (bucket, rate) in [&self.connection, &self.total].into_iter().flatten() {
            let at = bucket.lock().unwrap().reserve(bytes, *rate);
            // Even a sleep until now waits for the timer's next tick (up to
            // a millisecond), which piece after piece would slow every body.
            if at > Instant::now() {
                tokio::time::sleep_until(at.into()).await;
            }
        }
    }
}

struct Shared {
    upstream: OnceLock<SocketAddr>,
    conditions: Mutex<Conditions>,
    records: Mutex<Vec<Record>>,
    arrivals: Mutex<Vec<Arrival>>,
    /// xorshift state: the same faults in the same order on every run.
    random: Mutex<u64>,
    faults_injected: Mutex<u64>,
    /// The bucket of [`Conditions::total_bytes_per_sec`], shared by every
    /// connection.
    link: Arc<Mutex<Bucket>>,
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
            link: Arc::new(Mutex::new(Bucket::default())),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accepting.clone();
                // The bucket of `connection_bytes_per_sec`: this connection's.
                let connection = Arc::new(Mutex::new(Bucket::default()));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        handle(shared.clone(), connection.clone(), request)
                    });
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

    /// How many part uploads were in flight at once (from their arrival at
    /// the proxy to their answer): the most, and the mean over the span from
    /// the first part's arrival to the last part's answer.
    pub fn parts_in_flight(&self) -> InFlight {
        in_flight(&self.part_uploads())
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
    connection: Arc<Mutex<Bucket>>,
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
    if !conditions.latency.is_zero() {
        tokio::time::sleep(conditions.latency).await;
    }
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
    let throttle = Throttle {
        request_bytes_per_sec: conditions.body_bytes_per_sec,
        connection: conditions
            .connection_bytes_per_sec
            .map(|rate| (connection, rate)),
        total: conditions
            .total_bytes_per_sec
            .map(|rate| (shared.link.clone(), rate)),
    };
    match forward(upstream, request, throttle).await {
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
    throttle: Throttle,
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
            let data = match &frame {
                Ok(frame) if !throttle.is_open() => frame.data_ref().cloned(),
                _ => None,
            };
            let Some(mut data) = data else {
                let failed = frame.is_err();
                if frames.send(frame).await.is_err() || failed {
                    return;
                }
                continue;
            };
            // Under a cap, the data goes on in small pieces, each when its
            // buckets allow.
            while !data.is_empty() {
                let piece = data.split_to(data.len().min(PACE_CHUNK));
                sent += piece.len() as u64;
                if let Some(rate) = throttle.request_bytes_per_sec {
                    let due = Duration::from_secs_f64(sent as f64 / rate as f64);
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        tokio::time::sleep(wait).await;
                    }
                }
                throttle.take(piece.len() as u64).await;
                if frames.send(Ok(Frame::data(piece))).await.is_err() {
                    return;
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that reads every request's body and answers 200.
    async fn sink() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let service = service_fn(|request: Request<Incoming>| async move {
                        let _ = request.into_body().collect().await;
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::new())))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    }

    /// `count` PUTs of `size` bytes at once, each on its own connection;
    /// answers how long they took together.
    async fn put_at_once(proxy: &StoreProxy, count: usize, size: usize) -> Duration {
        let started = Instant::now();
        let mut puts = tokio::task::JoinSet::new();
        for number in 1..=count {
            let url = format!("{}/bucket/key?partNumber={number}", proxy.endpoint());
            puts.spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .build()
                    .unwrap();
                let response = client.put(url).body(vec![7u8; size]).send().await.unwrap();
                assert_eq!(response.status(), 200);
            });
        }
        while let Some(put) = puts.join_next().await {
            put.unwrap();
        }
        started.elapsed()
    }

    /// The total cap holds for all connections together, the per-connection
    /// cap for each, and every request waits the latency first.
    #[tokio::test]
    async fn a_link_caps_each_connection_and_all_of_them_together() {
        const MIB: usize = 1 << 20;
        let proxy = StoreProxy::bind().await;
        proxy.set_upstream(&format!("http://{}", sink().await));

        // Four connections of 1 MiB at 1 MiB/s each, 2 MiB/s in all: the
        // total cap binds (2 s), not the connections' (1 s).
        proxy.set_conditions(Conditions {
            connection_bytes_per_sec: Some(MIB as u64),
            total_bytes_per_sec: Some(2 * MIB as u64),
            ..Conditions::default()
        });
        let took = put_at_once(&proxy, 4, MIB).await;
        assert!(took >= Duration::from_millis(1900), "{took:?}");
        assert!(took < Duration::from_secs(4), "{took:?}");

        // Two connections under the same caps: each connection's binds (1 s).
        let took = put_at_once(&proxy, 2, MIB).await;
        assert!(took >= Duration::from_millis(900), "{took:?}");
        assert!(took < Duration::from_millis(1900), "{took:?}");

        // The latency alone.
        proxy.set_conditions(Conditions {
            latency: Duration::from_millis(300),
            ..Conditions::default()
        });
        let took = put_at_once(&proxy, 3, 1024).await;
        assert!(took >= Duration::from_millis(300), "{took:?}");
        assert!(took < Duration::from_millis(900), "{took:?}");

        let in_flight = proxy.parts_in_flight();
        assert_eq!(in_flight.peak, 4, "{in_flight:?}");
    }
}
