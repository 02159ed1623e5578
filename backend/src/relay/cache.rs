//! [`RelayCache`]: the optional disk cache of relay downloads
//! (`--cache-dir`, `--cache-ttl`, `--cache-max-bytes`).
//!
//! A video enters the cache whole or not at all: the first request for it
//! fills a temporary file (`<id>.<n>.part`) while it streams to its client
//! ([`super::fill`]), and only once every byte is in is the file renamed
//! into place (`<id>.<n>.video`) and listed; a partly written file is never
//! listed, so never served. Every file has a name of its own, so removing
//! an evicted one never touches a newer copy. Readers keep an open file
//! descriptor, so an entry removed while it is being read finishes reading.
//!
//! Entries are kept by video id, least recently read first: a read restarts
//! the entry's TTL and makes it the most recent; expired entries go at the
//! next cache operation, and the least recently read go to make room for a
//! new one under `--cache-max-bytes` (counting the bytes fills in progress
//! have reserved). A video larger than the bound is not cached.
//!
//! Concurrent first requests for one video share one fill (single flight):
//! the first [`Begin::Lead`]s it, the others [`Begin::Follow`] it and read
//! the finished entry. A [`Flight`] dropped before it completes (its client
//! left, S3 failed) ends the flight with no entry, and the followers start
//! again.
//!
//! Only a verified video is cached (see `super::download`), and a verified
//! video is never deleted by Vidrop, so no deletion can leave a cached copy
//! behind; [`RelayCache::forget`] drops one video should that change. A
//! video deleted from the bucket by other means stays readable here until
//! its TTL runs out. The cache starts empty: files left by an earlier run
//! are removed when it opens.

use crate::metrics::{Eviction, RelayMetrics};
use lru::LruCache;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// The suffix of a finished cache file.
const ENTRY_SUFFIX: &str = ".video";

/// The suffix of a file being filled.
const PART_SUFFIX: &str = ".part";

/// Where the cache lives and how much it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    pub dir: PathBuf,
    /// How long an entry stays after its last read.
    pub ttl: Duration,
    /// The most bytes the entries (and fills in progress) may take.
    pub max_bytes: u64,
}

/// What the cache keeps of a video besides its bytes: what a response's
/// headers say, and its key, which a caller's scope must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedVideo {
    pub key: String,
    pub size: u64,
    /// As S3 gave it, quoted.
    pub etag: String,
    pub last_modified: Option<SystemTime>,
    pub content_type: String,
    pub filename: String,
}

/// A cached video and the file that holds it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub video: CachedVideo,
    pub path: PathBuf,
}

/// What a request for a video not known to be cached should do.
pub enum Begin {
    /// It is cached.
    Hit(Hit),
    /// Fetch it and fill the cache: no one else is.
    Lead(Flight),
    /// Another request is filling it: wait for the receiver to read `true`
    /// (or close), then look again.
    Follow(watch::Receiver<bool>),
}

/// What `DELETE /api/relay/cache` removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cleared {
    /// Videos removed.
    pub entries: usize,
    /// Their bytes.
    pub bytes: u64,
}

struct Entry {
    video: CachedVideo,
    path: PathBuf,
    expires: Instant,
}

/// The fill of one video in progress.
struct InFlight {
    token: u64,
    /// Tells the followers when the flight ends (also when dropped).
    done: watch::Sender<bool>,
}

struct State {
    /// Least recently read first.
    entries: LruCache<String, Entry>,
    /// The entries' bytes.
    bytes: u64,
    /// Bytes reserved by fills in progress.
    reserved: u64,
    flights: HashMap<String, InFlight>,
    /// Moves on at every clear, so a fill begun before it adds nothing.
    generation: u64,
}

/// The disk cache of relay downloads.
pub struct RelayCache {
    settings: CacheSettings,
    state: Mutex<State>,
    next_token: AtomicU64,
    metrics: RelayMetrics,
}

impl RelayCache {
    /// Opens the cache in `settings.dir` (created if missing), removing the
    /// cache files an earlier run left there.
    pub fn open(settings: CacheSettings, metrics: RelayMetrics) -> std::io::Result<RelayCache> {
        std::fs::create_dir_all(&settings.dir)?;
        for item in std::fs::read_dir(&settings.dir)? {
            let path = item?.path();
            let ours = path
                .file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(ENTRY_SUFFIX) || name.ends_with(PART_SUFFIX));
            if ours && path.is_file() {
                std::fs::remove_file(&path)?;
            }
        }
        metrics.cache_size(0, 0);
        Ok(RelayCache {
            settings,
            state: Mutex::new(State {
                entries: LruCache::unbounded(),
                bytes: 0,
                reserved: 0,
                flights: HashMap::new(),
                generation: 0,
            }),
            next_token: AtomicU64::new(1),
            metrics,
        })
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// The cached copy of video `id`, if there is a fresh one: the read
    /// restarts its TTL and makes it the most recently read.
    pub fn lookup(&self, id: &str) -> Option<Hit> {
        let mut state = self.lock();
        let expired = self.purge_expired(&mut state);
        let hit = self.touch(&mut state, id);
        drop(state);
        remove_files(expired);
        hit
    }

    /// A cached copy of `id`, or the flight to fill it, or the flight to
    /// follow.
    pub fn begin(self: &Arc<Self>, id: &str) -> Begin {
        let mut state = self.lock();
        let expired = self.purge_expired(&mut state);
        let begin = if let Some(hit) = self.touch(&mut state, id) {
            Begin::Hit(hit)
        } else if let Some(flight) = state.flights.get(id) {
            Begin::Follow(flight.done.subscribe())
        } else {
            let token = self.next_token.fetch_add(1, Ordering::Relaxed);
            let (done, _) = watch::channel(false);
            state
                .flights
                .insert(id.to_owned(), InFlight { token, done });
            Begin::Lead(Flight {
                cache: Arc::clone(self),
                id: id.to_owned(),
                token,
                generation: state.generation,
                reserved: 0,
            })
        };
        drop(state);
        remove_files(expired);
        begin
    }

    /// Forgets video `id`: its entry goes, and a fill in progress will add
    /// nothing.
    pub fn forget(&self, id: &str) {
        let mut state = self.lock();
        let removed = state.entries.pop(id).map(|entry| {
            state.bytes -= entry.video.size;
            entry.path
        });
        state.flights.remove(id);
        self.report(&state);
        drop(state);
        remove_files(removed);
    }

    /// Drops the entry of `id` if `path` is still its file (a file that
    /// could not be opened: removed from the folder by hand).
    pub fn discard(&self, id: &str, path: &Path) {
        let mut state = self.lock();
        if state
            .entries
            .peek(id)
            .is_some_and(|entry| entry.path == path)
            && let Some(entry) = state.entries.pop(id)
        {
            state.bytes -= entry.video.size;
            self.report(&state);
        }
    }

    /// Empties the cache; fills in progress will add nothing.
    pub fn clear(&self) -> Cleared {
        let mut state = self.lock();
        let cleared = Cleared {
            entries: state.entries.len(),
            bytes: state.bytes,
        };
        let paths: Vec<PathBuf> = std::iter::from_fn(|| state.entries.pop_lru())
            .map(|(_, entry)| entry.path)
            .collect();
        state.bytes = 0;
        state.generation += 1;
        self.report(&state);
        drop(state);
        remove_files(paths);
        tracing::info!(
            entries = cleared.entries,
            bytes = cleared.bytes,
            "relay cache cleared"
        );
        cleared
    }

    /// How many videos and bytes the cache holds.
    pub fn usage(&self) -> (usize, u64) {
        let state = self.lock();
        (state.entries.len(), state.bytes)
    }

    /// Entry `id` made the most recent, its TTL started again.
    fn touch(&self, state: &mut State, id: &str) -> Option<Hit> {
        let ttl = self.settings.ttl;
        state.entries.get_mut(id).map(|entry| {
            entry.expires = Instant::now() + ttl;
            Hit {
                video: entry.video.clone(),
                path: entry.path.clone(),
            }
        })
    }

    /// Drops the expired entries; answers their files, to remove once the
    /// lock is released.
    fn purge_expired(&self, state: &mut State) -> Vec<PathBuf> {
        let now = Instant::now();
        let expired: Vec<String> = state
            .entries
            .iter()
            .filter(|(_, entry)| entry.expires <= now)
            .map(|(id, _)| id.clone())
            .collect();
        let mut paths = Vec::with_capacity(expired.len());
        for id in expired {
            if let Some(entry) = state.entries.pop(&id) {
                state.bytes -= entry.video.size;
                paths.push(entry.path);
            }
        }
        if !paths.is_empty() {
            self.metrics
                .cache_evicted(Eviction::Expired, paths.len() as u64);
            self.report(state);
        }
        paths
    }

    fn report(&self, state: &State) {
        self.metrics.cache_size(state.entries.len(), state.bytes);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One video's fill, led by one request: reserve room, write
/// [`Flight::part_path`], then [`Flight::complete`]. Dropped before that,
/// it gives its room back and ends the flight with no entry.
pub struct Flight {
    cache: Arc<RelayCache>,
    id: String,
    token: u64,
    generation: u64,
    reserved: u64,
}

impl Flight {
    /// Makes room for `size` bytes, evicting the least recently read
    /// entries; false when the video cannot be cached (larger than the
    /// bound, or the room is held by other fills).
    pub fn reserve(&mut self, size: u64) -> bool {
        let cache = &self.cache;
        let max = cache.settings.max_bytes;
        let mut state = cache.lock();
        let mut paths = cache.purge_expired(&mut state);
        if state.reserved + size > max {
            // Even with every entry gone it would not fit: evict none.
            drop(state);
            remove_files(paths);
            return false;
        }
        let fits = |state: &State| state.bytes + state.reserved + size <= max;
        let mut evicted = 0;
        while !fits(&state)
            && let Some((_, entry)) = state.entries.pop_lru()
        {
            state.bytes -= entry.video.size;
            paths.push(entry.path);
            evicted += 1;
        }
        let reserved = fits(&state);
        if reserved {
            state.reserved += size;
            self.reserved += size;
        }
        cache.metrics.cache_evicted(Eviction::Size, evicted);
        cache.report(&state);
        drop(state);
        remove_files(paths);
        reserved
    }

    /// The file this fill writes; it becomes the entry's once complete.
    pub fn part_path(&self) -> PathBuf {
        self.cache
            .settings
            .dir
            .join(format!("{}.{}{PART_SUFFIX}", self.id, self.token))
    }

    /// Lists the video whose every byte is now in [`Flight::part_path`]:
    /// the file is renamed into place and becomes an entry, unless the
    /// video was forgotten or the cache cleared meanwhile (the file is then
    /// removed). Answers whether it was listed.
    pub fn complete(mut self, video: CachedVideo) -> bool {
        let part = self.part_path();
        let path = self
            .cache
            .settings
            .dir
            .join(format!("{}.{}{ENTRY_SUFFIX}", self.id, self.token));
        let cache = Arc::clone(&self.cache);
        let mut state = cache.lock();
        let current = state.generation == self.generation
            && state
                .flights
                .get(&self.id)
                .is_some_and(|flight| flight.token == self.token);
        state.reserved -= self.reserved;
        self.reserved = 0;
        // A rename within one folder is one quick metadata change.
        let listed = current && std::fs::rename(&part, &path).is_ok();
        let mut stale = Vec::new();
        if listed {
            let size = video.size;
            let entry = Entry {
                video,
                path,
                expires: Instant::now() + cache.settings.ttl,
            };
            if let Some((_, old)) = state.entries.push(self.id.clone(), entry) {
                state.bytes -= old.video.size;
                stale.push(old.path);
            }
            state.bytes += size;
        } else {
            stale.push(part);
        }
        self.end(&mut state);
        cache.report(&state);
        drop(state);
        remove_files(stale);
        listed
    }

    /// Ends this flight (if it is still the video's): the followers wake.
    fn end(&self, state: &mut State) {
        if state
            .flights
            .get(&self.id)
            .is_some_and(|flight| flight.token == self.token)
            && let Some(flight) = state.flights.remove(&self.id)
        {
            flight.done.send_replace(true);
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        let cache = Arc::clone(&self.cache);
        let mut state = cache.lock();
        state.reserved -= self.reserved;
        self.reserved = 0;
        self.end(&mut state);
    }
}

/// Removes cache files (gone already is fine).
fn remove_files(paths: impl IntoIterator<Item = PathBuf>) {
    for path in paths {
        remove_file(&path);
    }
}

fn remove_file(path: &Path) {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "cannot remove a relay cache file")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, ttl: Duration, max_bytes: u64) -> Arc<RelayCache> {
        Arc::new(
            RelayCache::open(
                CacheSettings {
                    dir: dir.to_owned(),
                    ttl,
                    max_bytes,
                },
                RelayMetrics::default(),
            )
            .unwrap(),
        )
    }

    fn video(id: &str, size: u64) -> CachedVideo {
        CachedVideo {
            key: format!("videos/{id}.webm"),
            size,
            etag: "\"e\"".into(),
            last_modified: None,
            content_type: "video/webm".into(),
            filename: "a.webm".into(),
        }
    }

    /// Fills `id` with `size` bytes as a download would.
    fn fill(cache: &Arc<RelayCache>, id: &str, size: u64) -> bool {
        let Begin::Lead(mut flight) = cache.begin(id) else {
            panic!("{id} should be led");
        };
        if !flight.reserve(size) {
            return false;
        }
        std::fs::write(flight.part_path(), vec![7u8; size as usize]).unwrap();
        flight.complete(video(id, size))
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|item| item.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_filled_video_is_a_hit_and_a_dropped_fill_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("OLD.1.video"), b"left over").unwrap();
        std::fs::write(dir.path().join("keep.txt"), b"not ours").unwrap();
        let cache = cache(dir.path(), Duration::from_secs(60), 100);
        assert_eq!(files(dir.path()), ["keep.txt"]);

        assert!(fill(&cache, "A", 10));
        let hit = cache.lookup("A").expect("a hit");
        assert_eq!(std::fs::read(&hit.path).unwrap().len(), 10);
        assert_eq!(cache.usage(), (1, 10));

        let Begin::Lead(mut flight) = cache.begin("B") else {
            panic!()
        };
        assert!(flight.reserve(10));
        std::fs::write(flight.part_path(), b"half").unwrap();
        let Begin::Follow(mut follower) = cache.begin("B") else {
            panic!("a second request follows the first")
        };
        // The leader's client left: the part is never listed.
        let part = flight.part_path();
        drop(flight);
        std::fs::remove_file(part).unwrap();
        assert!(follower.has_changed().is_err() || *follower.borrow_and_update());
        assert!(cache.lookup("B").is_none());
        assert!(matches!(cache.begin("B"), Begin::Lead(_)));
        assert_eq!(cache.usage(), (1, 10));
    }

    #[test]
    fn the_least_recently_read_go_first_and_reads_restart_the_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path(), Duration::from_millis(300), 25);
        assert!(fill(&cache, "A", 10));
        assert!(fill(&cache, "B", 10));
        assert!(cache.lookup("A").is_some());
        assert!(fill(&cache, "C", 10), "B, read least recently, makes room");
        assert!(cache.lookup("B").is_none());
        assert!(cache.lookup("A").is_some() && cache.lookup("C").is_some());
        assert!(!fill(&cache, "D", 26), "larger than the bound");
        assert_eq!(cache.usage(), (2, 20));

        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(100));
            assert!(cache.lookup("A").is_some(), "each read restarts A's TTL");
        }
        assert!(cache.lookup("C").is_none(), "C expired");
        std::thread::sleep(Duration::from_millis(350));
        assert!(cache.lookup("A").is_none());
        assert_eq!(cache.usage(), (0, 0));
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
    }

    #[test]
    fn a_clear_or_forget_during_a_fill_adds_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path(), Duration::from_secs(60), 100);
        assert!(fill(&cache, "A", 10));
        let Begin::Lead(mut flight) = cache.begin("B") else {
            panic!()
        };
        assert!(flight.reserve(10));
        std::fs::write(flight.part_path(), vec![1u8; 10]).unwrap();
        assert_eq!(
            cache.clear(),
            Cleared {
                entries: 1,
                bytes: 10
            }
        );
        assert!(!flight.complete(video("B", 10)));
        assert!(cache.lookup("B").is_none());

        let Begin::Lead(mut flight) = cache.begin("C") else {
            panic!()
        };
        assert!(flight.reserve(10));
        std::fs::write(flight.part_path(), vec![1u8; 10]).unwrap();
        cache.forget("C");
        assert!(!flight.complete(video("C", 10)));
        assert!(cache.lookup("C").is_none());
        assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
        assert_eq!(cache.usage(), (0, 0));
    }
}
