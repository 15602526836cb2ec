//! Writes a synthetic `terraform show -json` plan for benchmarks:
//! `cargo run --release -p apigw-policy --example synth_plan -- RESOURCES OUT.json [NOW]`.

use std::fs::File;
use std::io::BufWriter;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: synth_plan RESOURCES OUT.json [NOW-RFC3339]";
    let resources: usize = args.next().ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let out = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let now = match args.next() {
        Some(s) => rotation::parse_rfc3339(&s)?,
        None => rotation::parse_rfc3339("2026-11-22T00:00:00Z")?,
    };
    let w = BufWriter::new(File::create(&out)?);
    apigw_policy::synth::write_plan(w, resources, now, 200)?;
    Ok(())
}
