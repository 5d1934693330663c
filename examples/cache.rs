//! Memoize an expensive computation on disk, keyed by its input.
//!
//! Each entry is one pickle file named after a hash of the *pickled input*
//! (so any serializable input can be a key), holding a format version, the
//! time it was written, the input itself (to rule out hash collisions) and
//! the result. An entry is ignored when its version differs from the
//! program's or when it is older than the maximum age.
//!
//! ```text
//! cargo run --example cache              # cache in the system temp dir: miss, then hit
//! cargo run --example cache -- mycache   # cache in ./mycache; run it twice: hit at once
//! ```

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// Bump this whenever `compute` or the layout of its output changes: every
/// older entry then counts as a miss instead of giving a wrong answer.
const CACHE_VERSION: u32 = 1;

/// The input of the computation. Anything `Serialize` works as a key.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Query {
    below: u64,
    modulus: u64,
}

/// The result: how many primes below `below`, and their sum modulo `modulus`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Answer {
    count: u64,
    sum_mod: u64,
}

/// The "expensive" function: a sieve of Eratosthenes.
fn compute(q: &Query) -> Answer {
    let n = q.below as usize;
    let mut composite = vec![false; n.max(2)];
    let (mut count, mut sum) = (0, 0);
    for i in 2..n {
        if !composite[i] {
            count += 1;
            sum = (sum + i as u64) % q.modulus;
            for j in (i * i..n).step_by(i) {
                composite[j] = true;
            }
        }
    }
    Answer { count, sum_mod: sum }
}

/// One cache file. `input` holds the pickled key: two inputs with the same
/// hash are told apart by comparing it.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    version: u32,
    written_unix_ms: u64,
    #[serde(with = "serde_bytes")]
    input: Vec<u8>,
    output: T,
}

#[derive(Clone)]
struct DiskCache {
    dir: PathBuf,
    version: u32,
    max_age: Duration,
}

/// Why a lookup missed.
enum Miss {
    NoEntry,
    OtherVersion { found: u32, want: u32 },
    Expired { age: Duration, max_age: Duration },
    Unreadable(serde_pickle::Error),
    Collision,
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Miss::NoEntry => write!(f, "no entry"),
            Miss::OtherVersion { found, want } => {
                write!(f, "stale: written by version {found}, this is version {want}")
            }
            Miss::Expired { age, max_age } => {
                write!(f, "expired: {}s old, max age {}s", age.as_secs(), max_age.as_secs())
            }
            Miss::Unreadable(e) => write!(f, "unreadable entry: {e}"),
            Miss::Collision => write!(f, "hash collision with another input"),
        }
    }
}

/// 64-bit FNV-1a. `std`'s `DefaultHasher` may change between Rust releases,
/// which would silently orphan every file of an on-disk cache; this will not.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl DiskCache {
    /// The pickled input and the file it maps to. `to_vec` is deterministic
    /// for a given value (same value, same bytes), which is what a key needs;
    /// a `HashMap` inside the input would not be (its order varies).
    fn key(&self, input: &impl Serialize) -> serde_pickle::Result<(Vec<u8>, PathBuf)> {
        let bytes = serde_pickle::to_vec(input)?;
        let path = self.dir.join(format!("{:016x}.pkl", fnv1a(&bytes)));
        Ok((bytes, path))
    }

    fn get<T: DeserializeOwned>(
        &self,
        input: &impl Serialize,
    ) -> serde_pickle::Result<Result<T, Miss>> {
        let (key, path) = self.key(input)?;
        let Ok(bytes) = fs::read(&path) else { return Ok(Err(Miss::NoEntry)) };
        // A cache file is only a hint: if it is damaged, recompute.
        let entry: Entry<T> = match serde_pickle::from_slice(&bytes) {
            Ok(entry) => entry,
            Err(e) => return Ok(Err(Miss::Unreadable(e))),
        };
        let age = Duration::from_millis(now_ms().saturating_sub(entry.written_unix_ms));
        Ok(if entry.version != self.version {
            Err(Miss::OtherVersion { found: entry.version, want: self.version })
        } else if age >= self.max_age {
            Err(Miss::Expired { age, max_age: self.max_age })
        } else if entry.input != key {
            Err(Miss::Collision)
        } else {
            Ok(entry.output)
        })
    }

    fn put<T: Serialize>(
        &self,
        input: &impl Serialize,
        output: &T,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let (key, path) = self.key(input)?;
        let entry = Entry { version: self.version, written_unix_ms: now_ms(), input: key, output };
        fs::create_dir_all(&self.dir)?;
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        fs::write(&tmp, serde_pickle::to_vec(&entry)?)?;
        fs::rename(tmp, path)?;
        Ok(())
    }

    fn get_or_compute(&self, q: &Query) -> Result<Answer, Box<dyn std::error::Error>> {
        let start = Instant::now();
        match self.get::<Answer>(q)? {
            Ok(answer) => {
                println!("{q:?}: hit ({:?})", start.elapsed());
                Ok(answer)
            }
            Err(why) => {
                let answer = compute(q);
                println!("{q:?}: miss ({why}); computed in {:?}", start.elapsed());
                self.put(q, &answer)?;
                Ok(answer)
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("serde_pickle-cache-example"));
    let cache = DiskCache { dir, version: CACHE_VERSION, max_age: Duration::from_secs(3600) };
    println!("cache in {}", cache.dir.display());

    let q = Query { below: 2_000_000, modulus: 1_000_000_007 };
    // The first call of the first run computes; the second call (and every
    // call of a later run within the hour) reads the file.
    let first = cache.get_or_compute(&q)?;
    let second = cache.get_or_compute(&q)?;
    assert_eq!(first, second);
    println!(
        "answer: {} primes below {}, sum mod {} = {}",
        first.count, q.below, q.modulus, first.sum_mod
    );

    // Invalidation, checked without touching the stored entry:
    // a program with a newer CACHE_VERSION ignores it...
    let newer = DiskCache { version: CACHE_VERSION + 1, ..cache.clone() };
    report(&newer, &q)?;
    // ...and so does one with a shorter max age.
    let strict = DiskCache { max_age: Duration::ZERO, ..cache.clone() };
    report(&strict, &q)?;
    // A different input is a different file.
    report(&cache, &Query { below: 10, modulus: 7 })?;
    Ok(())
}

/// Look up without computing, and say what happened.
fn report(cache: &DiskCache, q: &Query) -> serde_pickle::Result<()> {
    let what = match cache.get::<Answer>(q)? {
        Ok(_) => "hit".to_string(),
        Err(why) => format!("miss ({why})"),
    };
    println!(
        "lookup {q:?} as version {}, max age {}s: {what}",
        cache.version,
        cache.max_age.as_secs()
    );
    Ok(())
}
