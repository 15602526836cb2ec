//! Property test of the reader: random bytes and mutated plans never panic; every
//! input either fails with a one-line error or yields a document whose reports render
//! and deserialise. Deterministic (seeded), so a failure reproduces.

use std::path::Path;

use apigw_policy::config::Config;
use apigw_policy::input::{read_document, read_document_slice};
use apigw_policy::report::json::JsonReport;
use apigw_policy::report::{Format, InputInfo, Report};
use apigw_policy::severity::Severity;
use serde_json::Value;

/// xorshift64*: small, seedable, good enough to explore input shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check(input: &[u8]) -> bool {
    let now = rotation::parse_rfc3339("2026-11-22T00:00:00Z").expect("time");
    let sliced = read_document_slice(input, "fuzz");
    let streamed = read_document(input, "fuzz");
    match (&streamed, &sliced) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "stream and slice readers agree"),
        (Err(a), Err(b)) => assert_eq!(
            std::mem::discriminant(a),
            std::mem::discriminant(b),
            "{a} vs {b}"
        ),
        _ => panic!("stream and slice readers disagree: {streamed:?} vs {sliced:?}"),
    }
    match streamed {
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.contains('\n'), "multi-line error {msg:?}");
            assert!(msg.starts_with("fuzz: "), "{msg}");
            false
        }
        Ok(doc) => {
            let outcome = apigw_policy::evaluate(&doc, &Config::default(), now);
            let report = Report {
                input: InputInfo::of(&doc, "fuzz"),
                now,
                fail_on: Severity::Low,
                outcome: &outcome,
                help_uri: "docs/policy-rules.md".to_string(),
            };
            let _ = report.render(Format::Text);
            let json: JsonReport =
                serde_json::from_str(&report.render(Format::Json)).expect("JSON report");
            assert_eq!(json.findings.len(), outcome.findings.len());
            let sarif: Value = serde_json::from_str(&report.render(Format::Sarif)).expect("SARIF");
            assert_eq!(sarif["version"], "2.1.0");
            true
        }
    }
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| std::fs::read(p).expect("fixture"))
        .collect();
    out.sort();
    assert!(out.len() >= 4, "fixtures present");
    out
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5EED_0001);
    let alphabet = b"{}[]\":,0123456789.eE+-truefalsnl \n\\u";
    for i in 0..4_000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if i % 2 == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        let mut input = if i % 3 == 0 {
            b"{".to_vec()
        } else {
            Vec::new()
        };
        input.extend(bytes);
        check(&input);
    }
}

#[test]
fn byte_mutations_of_real_plans_never_panic() {
    let mut rng = Rng(0x5EED_0002);
    let fixtures = fixtures();
    let mut parsed = 0;
    for i in 0..1_500 {
        let mut input = fixtures[i % fixtures.len()].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(input.len());
            match rng.below(4) {
                0 => input[at] = rng.next() as u8,
                1 => input.truncate(at),
                2 => {
                    let end = (at + rng.below(64)).min(input.len());
                    input.drain(at..end);
                }
                _ => {
                    let tokens: [&[u8]; 8] = [
                        b"null",
                        b"{}",
                        b"[]",
                        b"\"x\"",
                        b"1e999",
                        b",",
                        b"true",
                        b"\"\\ud800\"",
                    ];
                    let t = tokens[rng.below(tokens.len())];
                    input.splice(at..at, t.iter().copied());
                }
            }
            if input.is_empty() {
                break;
            }
        }
        if check(&input) {
            parsed += 1;
        }
    }
    assert!(
        parsed > 0,
        "some mutations stay valid and go through the rules"
    );
}

fn mutate_value(v: &mut Value, rng: &mut Rng, depth: usize) {
    let replacement = |rng: &mut Rng| match rng.below(8) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::from(rng.next() as i64),
        3 => Value::from("2026-11-27T08:30:00Z"),
        4 => Value::from(""),
        5 => Value::Array(vec![Value::from("delete"), Value::from("create")]),
        6 => serde_json::json!({"id": "q1w2e3", "client_certificate_id": "q1w2e3"}),
        _ => Value::from("not-a-date"),
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let k = &keys[rng.below(keys.len())];
            if depth > 6 || rng.below(4) == 0 {
                if rng.below(5) == 0 {
                    m.remove(k);
                } else if let Some(slot) = m.get_mut(k) {
                    *slot = replacement(rng);
                }
            } else if let Some(child) = m.get_mut(k) {
                mutate_value(child, rng, depth + 1);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            let i = rng.below(a.len());
            if depth > 6 || rng.below(4) == 0 {
                a[i] = replacement(rng);
            } else {
                mutate_value(&mut a[i], rng, depth + 1);
            }
        }
        other => *other = replacement(rng),
    }
}

#[test]
fn structural_mutations_of_real_plans_never_panic() {
    let mut rng = Rng(0x5EED_0003);
    let fixtures: Vec<Value> = fixtures()
        .iter()
        .map(|b| serde_json::from_slice(b).expect("fixture JSON"))
        .collect();
    let mut parsed = 0;
    for i in 0..1_500 {
        let mut v = fixtures[i % fixtures.len()].clone();
        for _ in 0..1 + rng.below(3) {
            mutate_value(&mut v, &mut rng, 0);
        }
        if check(v.to_string().as_bytes()) {
            parsed += 1;
        }
    }
    assert!(
        parsed > 100,
        "most structural mutations still parse ({parsed})"
    );
}
