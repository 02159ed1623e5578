//! A one-node Garage server on loopback for `cargo xtask garage`: the store
//! the API and widget suites run on there (through `VIDROP_TEST_S3_ENDPOINT`,
//! see `vidrop::test_store`), with a key allowed to create buckets, so each
//! test server gets a bucket of its own. Stopped and wiped when dropped.

use crate::Result;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key the server imports (Garage's `GK` + 24 hex digits) and its
/// secret (64 hex digits). Loopback only, gone with the server.
const KEY_ID: &str = "GK5e1f0c2d3b4a59687766554a";
const SECRET_KEY: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// The region Garage answers for (SigV4 scopes name it).
pub const REGION: &str = "garage";
/// The node's RPC secret and admin token (64 hex digits).
const RPC_SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

pub struct SingleNode {
    garage: PathBuf,
    config: PathBuf,
    pub endpoint: String,
    process: Child,
    dir: PathBuf,
}

impl SingleNode {
    /// Starts `garage` on free loopback ports with its data in a new folder
    /// under `work`, lays the node out and imports the key.
    pub fn start(garage: &Path, work: &Path) -> Result<SingleNode> {
        let dir = work.join(format!("garage-suite-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (s3_port, rpc_port, admin_port) = (free_port()?, free_port()?, free_port()?);
        let config = dir.join("garage.toml");
        std::fs::write(
            &config,
            format!(
                r#"metadata_dir = "{root}/meta"
data_dir = "{root}/data"
db_engine = "sqlite"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{RPC_SECRET}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
admin_token = "{RPC_SECRET}"
"#,
                root = dir.display(),
            ),
        )
        .map_err(|e| format!("{}: {e}", config.display()))?;
        let log = std::fs::File::create(dir.join("garage.log")).map_err(|e| e.to_string())?;
        let process = Command::new(garage)
            .arg("-c")
            .arg(&config)
            .arg("server")
            .env("RUST_LOG", "garage=warn")
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", garage.display()))?;
        let node = SingleNode {
            garage: garage.to_owned(),
            config,
            endpoint: format!("http://127.0.0.1:{s3_port}"),
            process,
            dir,
        };
        let id = node.admin(&["node", "id", "-q"])?;
        let id = id.trim().split('@').next().unwrap_or_default().to_owned();
        node.admin(&["layout", "assign", "-z", "dc1", "-c", "10G", &id])?;
        node.admin(&["layout", "apply", "--version", "1"])?;
        node.admin(&[
            "key",
            "import",
            "--yes",
            "-n",
            "vidrop-suite",
            KEY_ID,
            SECRET_KEY,
        ])?;
        node.admin(&["key", "allow", "--create-bucket", KEY_ID])?;
        Ok(node)
    }

    /// The environment that points the suites at this node.
    pub fn environment(&self) -> [(&'static str, String); 4] {
        [
            ("VIDROP_TEST_S3_ENDPOINT", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", KEY_ID.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
            ("AWS_REGION", REGION.to_owned()),
        ]
    }

    /// `garage <args>` on this node, tried again for 30 s while it starts.
    fn admin(&self, args: &[&str]) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let output = Command::new(&self.garage)
                .arg("-c")
                .arg(&self.config)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("could not run garage: {e}"))?;
            if output.status.success() {
                return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "garage {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for SingleNode {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| format!("no free port: {e}"))
}
