//! Where s3s-fs keeps an object (`<root>/<bucket>/<key>`, each `/` a folder)
//! and whether that place can take it. Two keys that S3 holds side by side
//! cannot both be there: `videos` and `videos/a.webm` (a file and a folder of
//! the same name), or `a` and `a/b` (a file inside a file). s3s-fs would fail
//! the second write with an internal error after reading its body, or for a
//! multipart upload after forgetting the upload; so the store refuses such
//! keys before anything is written. A folder left empty (s3s-fs keeps it
//! when its last object is deleted) is no object's and blocks nothing.

use std::io;
use std::path::{Path, PathBuf};

/// Why a key cannot be written where s3s-fs would put it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// The key is a folder of other objects.
    Folder,
    /// The object with this key (a prefix of the key, up to a `/`) is in the
    /// way: the key would be a file inside it.
    InsideObject(String),
}

impl Conflict {
    /// The sentence the store answers with.
    pub(crate) fn message(&self, key: &str) -> String {
        match self {
            Conflict::Folder => format!(
                "The object key {key:?} is a folder of other objects in the embedded store, which cannot also hold an object of that name."
            ),
            Conflict::InsideObject(object) => format!(
                "The object {object:?} exists, so the embedded store cannot hold {key:?}, which would lie inside it."
            ),
        }
    }
}

/// The file of `key` in the bucket folder (for keys that passed
/// `check_key_syntax`, which have no `.`, `..` or empty segment).
pub(crate) fn object_path(bucket_dir: &Path, key: &str) -> PathBuf {
    key.split('/')
        .fold(bucket_dir.to_owned(), |path, segment| path.join(segment))
}

/// Makes sure an object may be written under `key`: nothing in the way on
/// the path from the bucket folder to the object's file, and no folder at
/// the file's place but an empty one, which is removed. (s3s-fs leaves a
/// folder behind when its last object is deleted; S3 has no folders, so an
/// empty one must not block the key.) Checked, not locked: a concurrent
/// write of a conflicting key can still slip in between, and then fails as
/// s3s-fs fails.
pub(crate) async fn make_room(bucket_dir: &Path, key: &str) -> io::Result<Result<(), Conflict>> {
    let segments: Vec<&str> = key.split('/').collect();
    let mut path = bucket_dir.to_owned();
    for (index, segment) in segments.iter().enumerate() {
        path.push(segment);
        let Some(kind) = kind_of(&path).await? else {
            // Nothing here, so nothing further down either.
            return Ok(Ok(()));
        };
        let last = index + 1 == segments.len();
        match kind {
            Kind::Folder if last => return remove_empty_folder(&path).await,
            Kind::Folder => {}
            Kind::Other if last => {} // the object itself: replaced
            Kind::Other => return Ok(Err(Conflict::InsideObject(segments[..=index].join("/")))),
        }
    }
    Ok(Ok(()))
}

/// Removes the folder at `path` if it is empty; a [`Conflict::Folder`] if not.
async fn remove_empty_folder(path: &Path) -> io::Result<Result<(), Conflict>> {
    match tokio::fs::remove_dir(path).await {
        Ok(()) => Ok(Ok(())),
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists
            ) =>
        {
            Ok(Err(Conflict::Folder))
        }
        // Removed by a concurrent request in between.
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Ok(())),
        Err(err) => Err(err),
    }
}

/// Whether an object is stored under `key` (a key that passed
/// `check_key_syntax`): a file at its place. Not so for a folder, which
/// s3s-fs would answer with the folder's size (HeadObject), a failed read
/// (GetObject) or an internal error (DeleteObject); nor for a path through
/// a file.
pub(crate) async fn is_object(bucket_dir: &Path, key: &str) -> io::Result<bool> {
    Ok(kind_of(&object_path(bucket_dir, key)).await? == Some(Kind::Other))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Folder,
    Other,
}

/// What is at `path`, if anything. A path through a file ("not a folder")
/// holds nothing.
async fn kind_of(path: &Path) -> io::Result<Option<Kind>> {
    match tokio::fs::symlink_metadata(path).await {
        Ok(meta) if meta.is_dir() => Ok(Some(Kind::Folder)),
        Ok(_) => Ok(Some(Kind::Other)),
        Err(err)
            if matches!(
                err.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn folders_and_objects_block_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let bucket = dir.path();
        std::fs::create_dir_all(bucket.join("videos")).unwrap();
        std::fs::write(bucket.join("videos/a.webm"), b"v").unwrap();
        std::fs::write(bucket.join("a"), b"o").unwrap();
        std::fs::create_dir_all(bucket.join("left/behind")).unwrap();

        assert_eq!(make_room(bucket, "videos/b.webm").await.unwrap(), Ok(()));
        assert_eq!(make_room(bucket, "videos/a.webm").await.unwrap(), Ok(()));
        assert_eq!(make_room(bucket, "new/x/y").await.unwrap(), Ok(()));
        assert_eq!(make_room(bucket, "a").await.unwrap(), Ok(()));
        assert_eq!(
            make_room(bucket, "videos").await.unwrap(),
            Err(Conflict::Folder)
        );
        assert_eq!(
            make_room(bucket, "a/b/c").await.unwrap(),
            Err(Conflict::InsideObject("a".into()))
        );
        assert_eq!(
            make_room(bucket, "videos/a.webm/x").await.unwrap(),
            Err(Conflict::InsideObject("videos/a.webm".into()))
        );
        // An empty folder is no object's: it makes room.
        assert_eq!(
            make_room(bucket, "left").await.unwrap(),
            Err(Conflict::Folder)
        );
        assert_eq!(make_room(bucket, "left/behind").await.unwrap(), Ok(()));
        assert!(!bucket.join("left/behind").exists());
        assert_eq!(make_room(bucket, "left").await.unwrap(), Ok(()));
        assert!(!bucket.join("left").exists());
        assert!(!is_object(bucket, "videos").await.unwrap());
        assert!(is_object(bucket, "videos/a.webm").await.unwrap());
        assert!(is_object(bucket, "a").await.unwrap());
        assert!(!is_object(bucket, "a/b").await.unwrap());
        assert!(!is_object(bucket, "missing").await.unwrap());
    }
}
