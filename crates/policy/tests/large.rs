//! A 50 MB plan is read as a stream in bounded memory, and a truncated one fails with
//! one line. Heap use is measured with a counting allocator (no timing assertions).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use apigw_policy::config::Config;
use apigw_policy::input::read_document;
use apigw_policy::synth;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MB: u64 = 1024 * 1024;

struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn now() -> i64 {
    rotation::parse_rfc3339("2026-11-22T00:00:00Z").expect("time")
}

/// 2,000 resources of which 800 are API Gateway ones, padded with unrelated resources
/// to just over 50 MB.
fn big_plan(tag: &str) -> TempFile {
    let path = std::env::temp_dir().join(format!(
        "apigw-policy-large-{tag}-{}.json",
        std::process::id()
    ));
    let file = TempFile(path);
    let w = BufWriter::new(File::create(&file.0).expect("create"));
    synth::write_plan(w, 2_000, now(), 13_500).expect("write plan");
    let size = std::fs::metadata(&file.0).expect("size").len();
    assert!(size >= 50 * MB, "generated {size} bytes");
    file
}

#[test]
fn a_50_mb_plan_is_checked_in_bounded_memory() {
    let plan = big_plan("ok");
    let size = std::fs::metadata(&plan.0).expect("size").len();
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let doc = read_document(File::open(&plan.0).expect("open"), "big.json").expect("parses");
    let outcome = apigw_policy::evaluate(&doc, &Config::default(), now());
    let peak = (PEAK.load(Ordering::Relaxed) - base) as u64;
    assert_eq!(doc.resources.len(), 800);
    assert_eq!(outcome.kpi.certificates, 400);
    assert!(outcome.findings.iter().any(|f| f.rule_id == "APIGW002"));
    eprintln!(
        "input {} MB, peak heap while reading and checking {:.1} MB",
        size / MB,
        peak as f64 / MB as f64
    );
    assert!(
        peak < 16 * MB,
        "peak heap {peak} bytes for a {size}-byte plan: not streaming"
    );
}

#[test]
fn a_50_mb_plan_through_the_binary_and_a_truncated_one_exit_cleanly() {
    let plan = big_plan("cli");
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
        .args([
            "check",
            plan.0.to_str().expect("path"),
            "--now",
            "2026-11-22T00:00:00Z",
            "--format",
            "json",
        ])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: apigw_policy::report::json::JsonReport =
        serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report.kpi.certificates, 400);

    // Cut the file short in the middle of resource_changes.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&plan.0)
        .expect("open");
    let len = f.metadata().expect("meta").len();
    f.set_len(len * 2 / 3).expect("truncate");
    drop(f);
    let out = Command::new(env!("CARGO_BIN_EXE_apigw-policy"))
        .args(["check", plan.0.to_str().expect("path")])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("ends early at line 1 column"), "{err}");
    assert!(out.stdout.is_empty());
}
