//! What `vidrop upload --resume` needs to continue a multipart upload after
//! an interruption: a small JSON state file per file and server, written
//! when the upload starts and removed when it completes. It holds the
//! upload's ids and plan, and the file's size and modification time, so a
//! file changed since is never mistaken for the one being uploaded.
//!
//! State files live in `$XDG_STATE_HOME/vidrop/uploads/` (by default
//! `~/.local/state/vidrop/uploads/`), named after a hash of the server's
//! address and the file's absolute path; with neither variable set, beside
//! the file as `<file>.vidrop-upload.json`.

use super::client::CliError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;
use vidrop_shared::parts::PartPlan;

/// A file as it is now: where, how large, when last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// As the user named it.
    pub path: PathBuf,
    /// Absolute, links resolved: the same file whatever the current folder.
    pub absolute: PathBuf,
    pub size: u64,
    /// Nanoseconds since the Unix epoch (0 where the system gives none).
    pub modified_ns: u64,
}

impl LocalFile {
    /// Reads the file's metadata; an error when it is not a readable file.
    pub fn of(path: &Path) -> Result<LocalFile, CliError> {
        let cannot = |err| CliError::io(format!("cannot read {}", path.display()), err);
        let metadata = std::fs::metadata(path).map_err(cannot)?;
        if !metadata.is_file() {
            return Err(CliError::Invalid(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |since| since.as_nanos() as u64);
        Ok(LocalFile {
            path: path.to_owned(),
            absolute: std::fs::canonicalize(path).map_err(cannot)?,
            size: metadata.len(),
            modified_ns,
        })
    }

    /// The file's name, as it is sent to the server.
    pub fn name(&self) -> String {
        self.absolute
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A multipart upload in progress, as its state file records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// The server's address.
    pub server: String,
    /// The file's absolute path.
    pub file: PathBuf,
    pub size: u64,
    pub modified_ns: u64,
    /// The API's upload id (`/api/uploads/{id}`).
    pub id: String,
    /// S3's multipart upload id.
    pub upload_id: String,
    pub part_size: u64,
    pub part_count: u32,
    /// The upload's handle, which spares the server an S3 read per batch
    /// of parts (absent from records written before handles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

impl UploadState {
    /// Whether it is an upload of `file`, unchanged, to `server`.
    pub fn is_for(&self, file: &LocalFile, server: &str) -> bool {
        self.server == server
            && self.file == file.absolute
            && self.size == file.size
            && self.modified_ns == file.modified_ns
    }

    /// The part plan it records, if it still cuts the file validly.
    pub fn plan(&self) -> Option<PartPlan> {
        PartPlan::announced(self.size, self.part_size, self.part_count)
    }
}

/// Where the state of uploads of one file to one server is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file of `file`'s uploads to `server`.
    pub fn of(file: &LocalFile, server: &str) -> StateFile {
        let folder = std::env::var_os("XDG_STATE_HOME")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|dir| !dir.is_empty())
                    .map(|home| Path::new(&home).join(".local/state"))
            });
        let path = match folder {
            Some(folder) => {
                let mut hasher = Sha256::new();
                hasher.update(server.as_bytes());
                hasher.update(b"\n");
                hasher.update(file.absolute.as_os_str().as_encoded_bytes());
                let digest = hasher.finalize();
                let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
                folder.join("vidrop/uploads").join(format!("{name}.json"))
            }
            None => {
                let mut beside = file.absolute.clone().into_os_string();
                beside.push(".vidrop-upload.json");
                PathBuf::from(beside)
            }
        };
        StateFile { path }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded upload; `None` when there is none (or the file cannot
    /// be read as one, which is then as good as none).
    pub fn load(&self) -> Option<UploadState> {
        let text = std::fs::read(&self.path).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Records `state`, replacing what was recorded (written aside, then
    /// renamed, so a crash never leaves half a record).
    pub fn save(&self, state: &UploadState) -> Result<(), CliError> {
        let cannot = |err| {
            CliError::io(
                format!(
                    "cannot record the upload's state in {}",
                    self.path.display()
                ),
                err,
            )
        };
        if let Some(folder) = self.path.parent() {
            std::fs::create_dir_all(folder).map_err(cannot)?;
        }
        let text = serde_json::to_vec_pretty(state)
            .map_err(|err| CliError::Invalid(format!("cannot write the upload's state: {err}")))?;
        let mut aside = self.path.clone().into_os_string();
        aside.push(".tmp");
        std::fs::write(&aside, text).map_err(cannot)?;
        std::fs::rename(&aside, &self.path).map_err(cannot)
    }

    /// Forgets the recorded upload (done, or gone from the server).
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_matches_only_its_unchanged_file_and_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.webm");
        std::fs::write(&path, vec![7; 100]).unwrap();
        let file = LocalFile::of(&path).unwrap();
        assert_eq!(file.name(), "clip.webm");
        let state = UploadState {
            server: "http://s".into(),
            file: file.absolute.clone(),
            size: 100,
            modified_ns: file.modified_ns,
            id: "I".into(),
            upload_id: "U".into(),
            part_size: 100,
            part_count: 1,
            handle: None,
        };
        assert!(state.is_for(&file, "http://s"));
        assert!(!state.is_for(&file, "http://other"));
        let changed = LocalFile {
            size: 99,
            ..file.clone()
        };
        assert!(!state.is_for(&changed, "http://s"));
        assert!(state.plan().is_some());

        let record = StateFile {
            path: dir.path().join("state/x.json"),
        };
        assert_eq!(record.load(), None);
        record.save(&state).unwrap();
        assert_eq!(record.load(), Some(state));
        record.remove();
        assert_eq!(record.load(), None);
        assert!(LocalFile::of(dir.path()).is_err(), "a folder is not a file");
    }
}
