//! [`Metrics`]: what the service has done, for `GET /metrics` in
//! Prometheus's text format. One registry per server (prometheus-client, no
//! global recorder), so servers in one process keep their own figures.
//!
//! Requests are counted by method, route template (`/api/uploads/{id}`, never
//! the path asked, so ids make no new series) and status, with a latency
//! histogram per route; uploads by outcome, the bytes approved for upload,
//! and the sweep's results; relay mode's, in [`RelayMetrics`].

mod relay;

pub use relay::{Eviction, RelayMetrics};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

/// What became of an upload, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadOutcome {
    /// Planned: a presigned PUT or a multipart upload started.
    Created,
    /// Completed and verified.
    Completed,
    /// Completed, but the object did not match what was approved (deleted).
    Failed,
    /// Given up by its client.
    Aborted,
}

impl UploadOutcome {
    fn label(self) -> &'static str {
        match self {
            UploadOutcome::Created => "created",
            UploadOutcome::Completed => "completed",
            UploadOutcome::Failed => "failed",
            UploadOutcome::Aborted => "aborted",
        }
    }
}

type LatencyFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The service's figures.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: LatencyFamily,
    uploads: Family<OutcomeLabels, Counter>,
    bytes_approved: Counter,
    swept: Family<OutcomeLabels, Counter>,
    relay: RelayMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// Latency buckets from 0.25 ms to about 8 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("vidrop");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency: LatencyFamily = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            latency.clone(),
        );
        let uploads = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "uploads",
            "Uploads by outcome: created, completed, failed (the object did not match), aborted",
            uploads.clone(),
        );
        let bytes_approved = Counter::default();
        registry.register(
            "upload_bytes_approved",
            "Bytes of the uploads planned",
            bytes_approved.clone(),
        );
        let swept = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sweep_uploads",
            "Abandoned multipart uploads the sweep handled: aborted, failed",
            swept.clone(),
        );
        let relay = RelayMetrics::register(&mut registry);
        Metrics {
            registry,
            requests,
            latency,
            uploads,
            bytes_approved,
            swept,
            relay,
        }
    }

    /// One request answered: `route` is its route template, or `unmatched`.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn upload(&self, outcome: UploadOutcome) {
        self.uploads
            .get_or_create(&OutcomeLabels {
                outcome: outcome.label().to_owned(),
            })
            .inc();
    }

    pub fn bytes_approved(&self, bytes: u64) {
        self.bytes_approved.inc_by(bytes);
    }

    /// One pass of the sweep: uploads it aborted and uploads it failed to.
    pub fn sweep(&self, aborted: u64, failed: u64) {
        for (outcome, count) in [("aborted", aborted), ("failed", failed)] {
            self.swept
                .get_or_create(&OutcomeLabels {
                    outcome: outcome.to_owned(),
                })
                .inc_by(count);
        }
    }

    /// Relay mode's figures.
    pub fn relay(&self) -> &RelayMetrics {
        &self.relay
    }

    /// Everything, in Prometheus's text format (OpenMetrics).
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}
