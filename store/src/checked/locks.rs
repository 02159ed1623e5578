//! [`Locks`]: one async lock per name, made when first asked for and
//! dropped when nobody holds or waits for it. s3s-fs checks a condition
//! (`If-None-Match: *`, an upload still in progress) and only later commits
//! the file, so two requests on the same key or upload could both pass the
//! check; the store takes the name's lock around the check and the commit.
//! A lock is never held while a client sends a body: a slow client must not
//! stall others on the same key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

type Table = Mutex<HashMap<String, Arc<AsyncMutex<()>>>>;

/// Named locks; clones share the same table.
#[derive(Debug, Default, Clone)]
pub(crate) struct Locks(Arc<Table>);

/// A held lock; released (and forgotten, if nobody waits) when dropped.
pub(crate) struct Held {
    table: Arc<Table>,
    name: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Locks {
    /// Waits for the lock of `name` and holds it.
    pub(crate) async fn hold(&self, name: String) -> Held {
        let lock = {
            let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(map.entry(name.clone()).or_default())
        };
        let guard = lock.lock_owned().await;
        Held {
            table: Arc::clone(&self.0),
            name,
            guard: Some(guard),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut map = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        // Held by the map alone: nobody holds or waits for it.
        if map
            .get(&self.name)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            map.remove(&self.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_holder_per_name_and_nothing_left_after() {
        let locks = Locks::default();
        let first = locks.hold("a".into()).await;
        let other = locks.hold("b".into()).await;
        let waiting = {
            let locks = locks.clone();
            tokio::spawn(async move {
                let _second = locks.hold("a".into()).await;
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the second holder of 'a' waits");
        drop(first);
        waiting.await.unwrap();
        drop(other);
        assert_eq!(locks.len(), 0);
    }
}
