//! [`RelayMetrics`]: what relay mode did, registered in the server's
//! registry beside the other figures: bytes relayed in and out, and the
//! download cache's hits, misses, bytes served, size and evictions.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

/// Why a cached video left the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// The least recently read, to stay under `--cache-max-bytes`.
    Size,
    /// Not read for `--cache-ttl`.
    Expired,
}

impl Eviction {
    fn label(self) -> &'static str {
        match self {
            Eviction::Size => "size",
            Eviction::Expired => "expired",
        }
    }
}

/// Relay mode's figures; cheap to clone (every field is a shared handle).
#[derive(Debug, Clone, Default)]
pub struct RelayMetrics {
    bytes_in: Counter,
    bytes_out: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_bytes_served: Counter,
    cache_entries: Gauge,
    cache_bytes: Gauge<u64, AtomicU64>,
    cache_evictions: Family<ReasonLabels, Counter>,
}

impl RelayMetrics {
    /// The figures, registered in `registry`.
    pub(super) fn register(registry: &mut Registry) -> RelayMetrics {
        let metrics = RelayMetrics::default();
        registry.register(
            "relay_bytes_in",
            "Bytes of video received by POST /api/relay",
            metrics.bytes_in.clone(),
        );
        registry.register(
            "relay_bytes_out",
            "Bytes of video sent by GET /api/relay/{id}, from S3 or the cache",
            metrics.bytes_out.clone(),
        );
        registry.register(
            "relay_cache_hits",
            "Relay downloads served from the disk cache",
            metrics.cache_hits.clone(),
        );
        registry.register(
            "relay_cache_misses",
            "Relay downloads the disk cache did not hold",
            metrics.cache_misses.clone(),
        );
        registry.register(
            "relay_cache_served_bytes",
            "Bytes of video sent from the disk cache",
            metrics.cache_bytes_served.clone(),
        );
        registry.register(
            "relay_cache_entries",
            "Videos in the disk cache",
            metrics.cache_entries.clone(),
        );
        registry.register(
            "relay_cache_bytes",
            "Bytes of video in the disk cache",
            metrics.cache_bytes.clone(),
        );
        registry.register(
            "relay_cache_evictions",
            "Videos that left the disk cache, by reason: size (least recently read, to make room), expired (not read for --cache-ttl)",
            metrics.cache_evictions.clone(),
        );
        metrics
    }

    pub fn bytes_in(&self, bytes: u64) {
        self.bytes_in.inc_by(bytes);
    }

    pub fn bytes_out(&self, bytes: u64) {
        self.bytes_out.inc_by(bytes);
    }

    pub fn cache_hit(&self) {
        self.cache_hits.inc();
    }

    pub fn cache_miss(&self) {
        self.cache_misses.inc();
    }

    pub fn cache_bytes_served(&self, bytes: u64) {
        self.cache_bytes_served.inc_by(bytes);
    }

    /// What the cache holds now.
    pub fn cache_size(&self, entries: usize, bytes: u64) {
        self.cache_entries
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
        self.cache_bytes.set(bytes);
    }

    pub fn cache_evicted(&self, reason: Eviction, count: u64) {
        if count > 0 {
            self.cache_evictions
                .get_or_create(&ReasonLabels {
                    reason: reason.label().to_owned(),
                })
                .inc_by(count);
        }
    }
}
