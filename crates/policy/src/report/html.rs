//! `--format html`: one self-contained page (no scripts, no external resources) with
//! the summary, the KPIs, a timeline and the findings. The timeline is inline SVG: one
//! row per certificate from creation to expiry, its rotation window shaded, "now"
//! marked, and rows with findings highlighted.

use std::fmt::Write as _;

use super::Report;
use crate::CertificateSummary;
use crate::finding::Finding;

const DAY: i64 = 86_400;
const ROW: i64 = 24;
/// The label column's width is its longest label's, within these bounds (px); longer
/// labels are shortened in the middle, the full text stays in a tooltip.
const LABEL_MIN: i64 = 200;
const LABEL_MAX: i64 = 520;
/// Width of one character of the timeline's 12 px monospace font (px).
const CHAR: f64 = 7.3;
const PLOT: i64 = 640;

pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn findings_for<'a>(r: &'a Report, c: &CertificateSummary) -> Vec<&'a Finding> {
    r.outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .filter(|f| match (&c.id, &f.certificate_id) {
            (Some(id), Some(fid)) => id == fid,
            _ => f.address == c.address && f.certificate_id.is_none(),
        })
        .collect()
}

pub fn render(r: &Report) -> String {
    let k = &r.outcome.kpi;
    let mut o = String::new();
    let title = format!("apigw-policy: {}", r.input.name);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        escape(&title),
        escape(&title)
    );
    let counting = r
        .outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    let verdict = if r.failed() { "fails" } else { "passes" };
    let _ = writeln!(
        o,
        "<p class=\"summary {verdict}\">{} ({}) as of {}: {counting} finding{} counting, {} accepted; {verdict} <code>--fail-on {}</code>.</p>",
        escape(&r.input.name),
        escape(&r.input.kind),
        rotation::format_rfc3339(r.now),
        if counting == 1 { "" } else { "s" },
        r.outcome.findings.len() - counting,
        r.fail_on
    );
    o.push_str("<h2>KPIs</h2>\n<table class=\"kpi\">\n");
    let mut kpi = |name: &str, key: &str, value: String| {
        let _ = writeln!(
            o,
            "<tr data-kpi=\"{key}\"><th>{}</th><td>{}</td></tr>",
            escape(name),
            escape(&value)
        );
    };
    kpi("Certificates", "certificates", k.certificates.to_string());
    kpi(
        "Expiring within 30 days",
        "under_30_days",
        k.under_30_days.to_string(),
    );
    kpi(
        "Expiring within 60 days",
        "under_60_days",
        k.under_60_days.to_string(),
    );
    kpi(
        "Expiring within 90 days",
        "under_90_days",
        k.under_90_days.to_string(),
    );
    kpi("Past rotation due date", "due", k.due.to_string());
    kpi("Expired", "expired", k.expired.to_string());
    kpi(
        "With an owner tag",
        "owner_share",
        format!(
            "{} of {} ({:.0}%)",
            k.with_owner,
            k.certificates,
            k.owner_share * 100.0
        ),
    );
    kpi("Unreadable dates", "unreadable", k.unreadable.to_string());
    if let Some(unused) = k.unused {
        kpi(
            "Unused (no stage presents them)",
            "unused",
            unused.to_string(),
        );
    }
    for region in &k.regions {
        kpi(
            &format!("Quota headroom, {}", region.region),
            "headroom",
            format!(
                "{} free of {} ({} certificates, {} unused)",
                region.headroom, region.quota, region.certificates, region.unused
            ),
        );
    }
    if let Some(mean) = k.remediation_mean_days {
        kpi(
            "Remediation time (rotation window to switch)",
            "remediation_mean_days",
            format!(
                "mean {mean:.1} days over {} replaced certificate{}",
                k.remediations.len(),
                if k.remediations.len() == 1 { "" } else { "s" }
            ),
        );
    }
    o.push_str("</table>\n");
    if !k.remediations.is_empty() {
        o.push_str("<h2>Replaced certificates</h2>\n<table class=\"remediations\">\n<tr><th>Series</th><th>Certificate</th><th>Window opened</th><th>Switched</th><th>Seen in</th><th>Days</th></tr>\n");
        for m in &k.remediations {
            let _ = writeln!(
                o,
                "<tr class=\"remediation\"><td><code>{}</code></td><td>{} &rarr; {}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"days\">{:.1}</td></tr>",
                escape(&m.series),
                escape(&m.certificate_id),
                escape(m.replaced_by.as_deref().unwrap_or("(new)")),
                escape(&m.window_opened),
                escape(&m.switched),
                escape(&m.source),
                m.days
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("<h2>Timeline</h2>\n");
    o.push_str(&timeline(r));
    o.push_str("<h2>Findings</h2>\n");
    if r.outcome.findings.is_empty() {
        o.push_str("<p>No findings.</p>\n");
    } else {
        o.push_str("<table class=\"findings\">\n<colgroup><col class=\"severity\"><col class=\"rule\"><col class=\"resource\"><col class=\"problem\"><col class=\"fix\"></colgroup>\n<tr><th>Severity</th><th>Rule</th><th>Resource</th><th>Problem</th><th>Fix</th></tr>\n");
        for f in &r.outcome.findings {
            let accepted = match &f.suppressed {
                Some(_) => " accepted",
                None => "",
            };
            let _ = writeln!(
                o,
                "<tr class=\"finding {}{accepted}\" data-rule=\"{}\"><td>{}{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                f.severity,
                escape(&f.rule_id),
                f.severity,
                if accepted.is_empty() {
                    ""
                } else {
                    " (accepted)"
                },
                escape(&f.rule_id),
                escape(&f.address),
                escape(&f.message),
                escape(&f.fix)
            );
        }
        o.push_str("</table>\n");
    }
    o.push_str("</body>\n</html>\n");
    o
}

/// `s` cut to `max` characters by dropping its middle (addresses differ at both ends).
fn shorten(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 5 {
        return s.to_string();
    }
    let keep = max - 1;
    let head: String = s.chars().take(keep / 2).collect();
    let tail: String = s.chars().skip(n - (keep - keep / 2)).collect();
    format!("{head}\u{2026}{tail}")
}

fn timeline(r: &Report) -> String {
    let certs = &r.outcome.certificates;
    if certs.is_empty() {
        return "<p>No certificates.</p>\n".to_string();
    }
    let start_of = |c: &CertificateSummary| c.created.or(c.expires.map(|e| e - 365 * DAY));
    let mut from = r.now - 30 * DAY;
    let mut to = r.now + 30 * DAY;
    for c in certs {
        if let Some(s) = start_of(c) {
            from = from.min(s);
        }
        if let Some(e) = c.expires {
            to = to.max(e);
        }
    }
    let labels: Vec<String> = certs
        .iter()
        .map(|c| format!("{} {}", c.id.as_deref().unwrap_or("(new)"), c.label))
        .collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let label_w = ((longest as f64 * CHAR).ceil() as i64 + 16).clamp(LABEL_MIN, LABEL_MAX);
    let fits = if label_w < LABEL_MAX {
        longest
    } else {
        ((LABEL_MAX - 16) as f64 / CHAR) as usize
    };
    let span = (to - from).max(1);
    let x = |t: i64| label_w + (t - from) * PLOT / span;
    let height = ROW * (certs.len() as i64) + 40;
    let width = label_w + PLOT + 20;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Certificate timeline\">"
    );
    for (i, c) in certs.iter().enumerate() {
        let y = 10 + ROW * i as i64;
        let found = findings_for(r, c);
        let class = match (c.deleted, found.is_empty()) {
            (false, true) => "certificate",
            (false, false) => "certificate has-finding",
            (true, true) => "deleted",
            (true, false) => "deleted has-finding",
        };
        let rules: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        let _ = writeln!(
            o,
            "<g class=\"{class}\" data-address=\"{}\" data-certificate=\"{}\" data-findings=\"{}\">",
            escape(&c.address),
            escape(c.id.as_deref().unwrap_or("")),
            rules.join(" ")
        );
        let _ = writeln!(
            o,
            "<text x=\"4\" y=\"{}\"><title>{}</title>{}</text>",
            y + 14,
            escape(&labels[i]),
            escape(&shorten(&labels[i], fits))
        );
        match (start_of(c), c.expires) {
            (Some(s), Some(e)) => {
                let w0 = e - c.rotate_before as i64;
                let _ = writeln!(
                    o,
                    "<rect class=\"life\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\"><title>{} to {}</title></rect>",
                    x(s),
                    y + 2,
                    (x(e) - x(s)).max(1),
                    rotation::format_rfc3339(s),
                    rotation::format_rfc3339(e)
                );
                let _ = writeln!(
                    o,
                    "<rect class=\"window\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\"><title>rotation window from {}</title></rect>",
                    x(w0.max(s)),
                    y + 2,
                    (x(e) - x(w0.max(s))).max(1),
                    rotation::format_rfc3339(w0)
                );
            }
            _ => {
                let why = if c.id.is_none() {
                    "dates known after apply"
                } else if r.outcome.findings.iter().any(|f| {
                    f.rule_id == "APIGW007" && f.certificate_id.as_deref() == c.id.as_deref()
                }) {
                    "dates unreadable (APIGW007)"
                } else {
                    "dates not recorded in this input"
                };
                let _ = writeln!(
                    o,
                    "<text class=\"unknown\" x=\"{}\" y=\"{}\">{why}</text>",
                    label_w + 4,
                    y + 14
                );
            }
        }
        o.push_str("</g>\n");
    }
    let nx = x(r.now);
    // The label goes left of the line when it would run past the right edge.
    let (label_x, anchor) = if nx + 120 > width {
        (nx - 3, "end")
    } else {
        (nx + 3, "start")
    };
    let _ = writeln!(
        o,
        "<line class=\"now\" x1=\"{nx}\" y1=\"4\" x2=\"{nx}\" y2=\"{}\"/><text class=\"now-label\" x=\"{label_x}\" y=\"{}\" text-anchor=\"{anchor}\">now {}</text>",
        height - 16,
        height - 4,
        rotation::format_date(r.now)
    );
    o.push_str("</svg>\n");
    o
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1f24}\
h1{font-size:20px}h2{font-size:16px;margin-top:28px}\
.summary.fails{color:#a40e26}.summary.passes{color:#116329}\
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}\
.kpi th{font-weight:normal;background:#f6f8fa}.remediations td.days{text-align:right}\
.timeline text{font:12px monospace;fill:#1b1f24}\
.timeline .life{fill:#b6d4f2}.timeline .window{fill:#f2c46d;opacity:.85}\
.timeline .has-finding .life{stroke:#cf222e;stroke-width:2}.timeline .has-finding text{fill:#a40e26;font-weight:bold}\
.timeline .now{stroke:#cf222e;stroke-width:2;stroke-dasharray:4 3}.timeline .now-label{fill:#cf222e}\
table.findings{width:100%;table-layout:fixed}\
table.findings col.severity{width:6em}table.findings col.rule{width:6.5em}table.findings col.resource{width:22%}\
table.findings td{overflow-wrap:anywhere}table.remediations td{overflow-wrap:anywhere}\
.timeline .unknown{fill:#57606a;font-style:italic}\
.timeline .deleted .life{fill:#d0d7de}.timeline .deleted .window{fill:#d8b46a;opacity:.6}.timeline .deleted text{fill:#57606a}\
tr.finding.critical td:first-child,tr.finding.high td:first-child{color:#a40e26;font-weight:bold}\
tr.accepted{color:#57606a}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_lose_their_middle() {
        assert_eq!(shorten("abcdefghij", 10), "abcdefghij");
        assert_eq!(shorten("abcdefghijkl", 7), "abc\u{2026}jkl");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
