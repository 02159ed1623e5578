//! S3's own limits, as AWS documents them. Every S3-compatible store Vidrop
//! targets accepts at least these.

/// One KiB, MiB, GiB and TiB, for readable constants.
pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;
pub const TIB: u64 = 1024 * GIB;

/// The largest object a single `PutObject` may create.
pub const MAX_SINGLE_PUT_SIZE: u64 = 5 * GIB;

/// The largest object S3 stores at all (multipart).
pub const MAX_OBJECT_SIZE: u64 = 5 * TIB;

/// The smallest size of a multipart part, except the last one.
pub const MIN_PART_SIZE: u64 = 5 * MIB;

/// The largest size of one multipart part.
pub const MAX_PART_SIZE: u64 = 5 * GIB;

/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// The longest object key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// The longest a SigV4 presigned URL may live (seven days).
pub const MAX_PRESIGN_EXPIRY_SECS: u64 = 7 * 24 * 3600;
