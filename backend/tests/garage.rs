//! Vidrop on a real distributed store: a three-node Garage cluster on
//! loopback (replication factor 3, one zone per node) behind two Vidrop
//! backends that share one token secret and each talk to a different node,
//! as a deployment behind a load balancer would.
//!
//! Garage is an independent S3 implementation that verifies SigV4 itself;
//! building it takes over twenty minutes on two cores, so these tests are
//! `#[ignore]`d in `cargo xtask test` and run by `cargo xtask garage`, which
//! builds Garage 2.5.0 once (cached) and names it in `VIDROP_GARAGE`.
//!
//! One test in this binary: the backends read their S3 credentials from the
//! process environment (the AWS default chain), set once before they start.

mod common;
use common::{payload, sha256, with_signed_headers};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, ETAG, RANGE};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{IssuedToken, MultipartUpload, SignedParts, UploadPlan, Video, VideoList};
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::PartPlan;

/// The key the cluster imports (Garage's `GK` + 24 hex digits) and its
/// secret (64 hex digits): fixed, so the environment is set once.
const KEY_ID: &str = "GK0123456789abcdef01234567";
const SECRET_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const BUCKET: &str = "vidrop";
/// The secret Garage's nodes share (64 hex digits), and its admin token.
const RPC_SECRET: &str = "5f0e8a1c9b7d3e2f4a6c8b0d1e3f5a7c9b1d3e5f7a9c0b2d4e6f8a0c2e4f6a8b";
const API_KEY: &str = "cluster-api-key-0123456789";
const TOKEN_SECRET: &str = "one-token-secret-for-every-backend-0123456789";

/// The Garage binary `cargo xtask garage` built.
fn garage_binary() -> PathBuf {
    let path = std::env::var_os("VIDROP_GARAGE")
        .map(PathBuf::from)
        .expect("VIDROP_GARAGE names the garage binary: run these tests with `cargo xtask garage`");
    assert!(path.is_file(), "no Garage binary at {}", path.display());
    path
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// One Garage node: its configuration file and process.
struct Node {
    config: PathBuf,
    s3_port: u16,
    rpc_port: u16,
    process: Option<Child>,
}

impl Node {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Garage cluster of `nodes` nodes, each in its own zone, replication
/// factor 3, with [`BUCKET`] readable and writable by [`KEY_ID`].
struct Cluster {
    garage: PathBuf,
    nodes: Vec<Node>,
    _dir: TempDir,
}

impl Cluster {
    fn start(count: usize) -> Cluster {
        let garage = garage_binary();
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut nodes = Vec::new();
        for index in 0..count {
            let root = dir.path().join(format!("node{index}"));
            std::fs::create_dir_all(&root).unwrap();
            let (s3_port, rpc_port, admin_port) = (free_port(), free_port(), free_port());
            let config = root.join("garage.toml");
            std::fs::write(
                &config,
                format!(
                    r#"metadata_dir = "{root}/meta"
data_dir = "{root}/data"
db_engine = "sqlite"
replication_factor = 3
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{rpc_secret}"

[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:{admin_port}"
admin_token = "{rpc_secret}"
"#,
                    root = root.display(),
                    rpc_secret = RPC_SECRET,
                ),
            )
            .unwrap();
            let log = std::fs::File::create(root.join("garage.log")).unwrap();
            let process = Command::new(&garage)
                .arg("-c")
                .arg(&config)
                .arg("server")
                .env("RUST_LOG", "garage=warn")
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("garage starts");
            nodes.push(Node {
                config,
                s3_port,
                rpc_port,
                process: Some(process),
            });
        }
        let cluster = Cluster {
            garage,
            nodes,
            _dir: dir,
        };
        let ids: Vec<String> = (0..count)
            .map(|index| {
                let id = cluster.admin_retrying(index, &["node", "id", "-q"]);
                id.trim().split('@').next().unwrap().to_owned()
            })
            .collect();
        for (index, id) in ids.iter().enumerate().skip(1) {
            let peer = format!("{id}@127.0.0.1:{}", cluster.nodes[index].rpc_port);
            cluster.admin_retrying(0, &["node", "connect", &peer]);
        }
        for (index, id) in ids.iter().enumerate() {
            let zone = format!("dc{index}");
            cluster.admin_retrying(0, &["layout", "assign", "-z", &zone, "-c", "1G", id]);
        }
        cluster.admin_retrying(0, &["layout", "apply", "--version", "1"]);
        cluster.admin_retrying(
            0,
            &["key", "import", "--yes", "-n", "vidrop", KEY_ID, SECRET_KEY],
        );
        cluster.admin_retrying(0, &["bucket", "create", BUCKET]);
        cluster.admin_retrying(
            0,
            &[
                "bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", KEY_ID,
            ],
        );
        cluster
    }

    /// `garage <args>` against node `index`, tried again for 30 s while the
    /// cluster settles (nodes starting, the layout spreading).
    fn admin_retrying(&self, index: usize, args: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let output = Command::new(&self.garage)
                .arg("-c")
                .arg(&self.nodes[index].config)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .expect("the garage CLI runs");
            if output.status.success() {
                return String::from_utf8_lossy(&output.stdout).into_owned();
            }
            if Instant::now() > deadline {
                let log = self.nodes[index].config.with_file_name("garage.log");
                panic!(
                    "garage {args:?} failed: {}{}\nthe node's log:\n{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr),
                    std::fs::read_to_string(log).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

/// A Vidrop backend on the cluster through node `node`'s S3 endpoint, with
/// no `--region` (it finds Garage's), closed with the shared API key and
/// token secret.
async fn backend(cluster: &Cluster, node: usize, data_dir: &Path) -> Server {
    let mut args = ServeArgs::for_tests(data_dir);
    args.bucket = Some(BUCKET.into());
    args.s3_endpoint = Some(cluster.nodes[node].endpoint());
    args.path_style = true;
    args.api_keys = vec![API_KEY.into()];
    args.token_secret = Some(TOKEN_SECRET.into());
    args.multipart_threshold = MIB;
    // Garage answers the first requests after a layout change slowly.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match Server::start(args.clone()).await {
            Ok(server) => return server,
            Err(error) if Instant::now() < deadline => {
                eprintln!("backend on node {node} not up yet: {error}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("the backend on node {node} starts: {error}"),
        }
    }
}

/// A real video of `at_least` bytes or more: lossless H.264 of ffmpeg's test
/// pattern, so a decoder can play it back.
fn real_video(dir: &Path, at_least: usize) -> Vec<u8> {
    let mut seconds = 2;
    loop {
        let path = dir.join(format!("cluster-{seconds}.mp4"));
        let status = Command::new("ffmpeg")
            .args(["-loglevel", "error", "-y", "-f", "lavfi", "-i"])
            .arg(format!("testsrc2=size=1280x720:rate=25:duration={seconds}"))
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-qp",
                "0",
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
            ])
            .arg(&path)
            .status()
            .expect("ffmpeg runs");
        assert!(status.success(), "ffmpeg made the video");
        let bytes = std::fs::read(&path).unwrap();
        if bytes.len() >= at_least {
            return bytes;
        }
        seconds *= 2;
    }
}

/// Whether ffmpeg decodes every frame of the video at `url` (over HTTP, with
/// the ranged reads a player makes) without an error.
fn plays(url: &str) -> Result<(), String> {
    let output = Command::new("ffmpeg")
        .args([
            "-loglevel",
            "error",
            "-xerror",
            "-i",
            url,
            "-f",
            "null",
            "-",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

struct Backend<'a> {
    server: &'a Server,
    http: &'a reqwest::Client,
    credential: &'a str,
}

impl Backend<'_> {
    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.server.base_url()))
            .bearer_auth(self.credential)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.server.base_url()))
            .bearer_auth(self.credential)
            .send()
            .await
            .expect("GET")
    }

    async fn sign(&self, plan: &MultipartUpload, body: &[u8], numbers: &[u32]) -> SignedParts {
        let cut = PartPlan::announced(body.len() as u64, plan.part_size, plan.part_count).unwrap();
        let parts: Vec<Value> = numbers
            .iter()
            .map(|&n| {
                let range = cut.range(n);
                json!({"part_number": n, "sha256": sha256(&body[range.start as usize..range.end as usize])})
            })
            .collect();
        let response = self
            .post(
                &format!("/api/uploads/{}/parts", plan.id),
                &json!({"upload_id": plan.upload_id, "parts": parts}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "sign parts {numbers:?}");
        response.json().await.unwrap()
    }
}

/// The cluster as an operator runs it: an upload token minted on backend
/// A, a multipart upload of a real video created on A, its parts signed by
/// A and B and sent to two different nodes, one of the three Garage nodes
/// stopped mid-upload, the upload completed on B. The video is listed by
/// both, byte-identical, decodes to its last frame through a presigned GET
/// (ranges answered by Garage), and a single-PUT upload works the same way.
#[tokio::test]
#[ignore = "needs Garage: run with `cargo xtask garage`"]
async fn two_backends_on_a_three_node_garage_cluster_survive_a_node_stopping() {
    let mut cluster = Cluster::start(3);
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary sets these before it starts
    // anything that reads the environment.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", KEY_ID);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", dir.path().join("no-config"));
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        );
        std::env::remove_var("AWS_REGION");
        std::env::remove_var("AWS_DEFAULT_REGION");
    }
    let server_a = backend(&cluster, 0, &dir.path().join("a")).await;
    let server_b = backend(&cluster, 1, &dir.path().join("b")).await;
    let http = reqwest::Client::new();

    // A token minted by A is honoured by B: one secret.
    let minted = http
        .post(format!("{}/api/tokens", server_a.base_url()))
        .bearer_auth(API_KEY)
        .json(&json!({"prefix": "users/7/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(minted.status(), StatusCode::CREATED);
    let token = minted.json::<IssuedToken>().await.unwrap().token;
    let a = Backend {
        server: &server_a,
        http: &http,
        credential: &token,
    };
    let b = Backend {
        server: &server_b,
        http: &http,
        credential: &token,
    };

    let body = real_video(dir.path(), 20 * MIB as usize);
    let created = a
        .post(
            "/api/uploads",
            &json!({"filename": "cluster.mp4", "content_type": "video/mp4", "size": body.len()}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let UploadPlan::Multipart(plan) = created.json().await.unwrap() else {
        panic!("a multipart upload")
    };
    assert!(plan.part_count >= 3, "{} parts", plan.part_count);
    assert!(plan.key.starts_with("videos/users/7/"), "{}", plan.key);
    let cut = PartPlan::announced(body.len() as u64, plan.part_size, plan.part_count).unwrap();
    let numbers: Vec<u32> = (1..=plan.part_count).collect();
    let (first_half, second_half) = numbers.split_at(numbers.len() / 2);

    let mut etags = Vec::new();
    let mut send = async |signed: SignedParts, node: &Node| {
        for part in signed.parts {
            assert!(
                part.url.starts_with(&node.endpoint()),
                "{} goes to {}",
                part.url,
                node.endpoint()
            );
            let range = cut.range(part.part_number);
            let bytes = body[range.start as usize..range.end as usize].to_vec();
            let response = with_signed_headers(http.put(&part.url).body(bytes), &part.headers)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "part {}: {}",
                part.part_number,
                response.text().await.unwrap_or_default()
            );
            let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
            etags.push(json!({"part_number": part.part_number, "etag": etag}));
        }
    };
    send(a.sign(&plan, &body, first_half).await, &cluster.nodes[0]).await;

    // One node of three goes away: writes and reads still find a quorum.
    cluster.nodes[2].stop();

    send(b.sign(&plan, &body, second_half).await, &cluster.nodes[1]).await;
    let listed = b
        .get(&format!(
            "/api/uploads/{}/parts?upload_id={}",
            plan.id, plan.upload_id
        ))
        .await;
    assert_eq!(
        listed.status(),
        StatusCode::OK,
        "B lists the parts A's client sent"
    );
    let completed = b
        .post(
            &format!("/api/uploads/{}/complete", plan.id),
            &json!({"upload_id": plan.upload_id, "parts": etags}),
        )
        .await;
    let status = completed.status();
    let text = completed.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "completion on B: {text}");

    for backend in [&a, &b] {
        let list: VideoList = backend.get("/api/videos").await.json().await.unwrap();
        assert_eq!(list.videos.len(), 1, "each backend lists the video");
        assert_eq!(list.videos[0].id, plan.id);
        assert_eq!(list.videos[0].size, body.len() as u64);
    }
    let video: Video = a
        .get(&format!("/api/videos/{}", plan.id))
        .await
        .json()
        .await
        .unwrap();
    let stored = http
        .get(&video.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        sha256(&stored),
        sha256(&body),
        "byte-identical through A's GET"
    );
    let ranged = http
        .get(&video.url)
        .header(RANGE, "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        ranged.headers()[CONTENT_RANGE].to_str().unwrap(),
        format!("bytes 1000-1999/{}", body.len())
    );
    assert_eq!(ranged.bytes().await.unwrap().as_ref(), &body[1000..2000]);
    plays(&video.url).expect("the completed video decodes to its end");

    // A single PUT, created on B and completed and played through A, with a
    // node still down.
    let small = payload(300_000, 5);
    let created = b
        .post(
            "/api/uploads",
            &json!({"filename": "small.webm", "content_type": "video/webm", "size": small.len()}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let UploadPlan::Single(single) = created.json().await.unwrap() else {
        panic!("a single PUT")
    };
    let put = with_signed_headers(http.put(&single.url).body(small.clone()), &single.headers)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let completed = a
        .post(&format!("/api/uploads/{}/complete", single.id), &json!({}))
        .await;
    assert_eq!(
        completed.status(),
        StatusCode::OK,
        "B's upload completed on A"
    );
    let video: Video = completed.json().await.unwrap();
    let stored = http
        .get(&video.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), small.as_slice());

    server_a.shutdown().await;
    server_b.shutdown().await;
}
