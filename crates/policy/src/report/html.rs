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
const LABEL: i64 = 340;
const PLOT: i64 = 760;

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
    o.push_str("</table>\n<h2>Timeline</h2>\n");
    o.push_str(&timeline(r));
    o.push_str("<h2>Findings</h2>\n");
    if r.outcome.findings.is_empty() {
        o.push_str("<p>No findings.</p>\n");
    } else {
        o.push_str("<table class=\"findings\">\n<tr><th>Severity</th><th>Rule</th><th>Resource</th><th>Problem</th><th>Fix</th></tr>\n");
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
    let span = (to - from).max(1);
    let x = |t: i64| LABEL + (t - from) * PLOT / span;
    let height = ROW * (certs.len() as i64) + 40;
    let width = LABEL + PLOT + 20;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Certificate timeline\">"
    );
    for (i, c) in certs.iter().enumerate() {
        let y = 10 + ROW * i as i64;
        let found = findings_for(r, c);
        let class = if found.is_empty() {
            "certificate"
        } else {
            "certificate has-finding"
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
            "<text x=\"4\" y=\"{}\">{}</text>",
            y + 14,
            escape(&format!(
                "{} {}",
                c.id.as_deref().unwrap_or("(new)"),
                c.label
            ))
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
                let _ = writeln!(
                    o,
                    "<text class=\"unknown\" x=\"{}\" y=\"{}\">dates unknown until apply or unreadable</text>",
                    LABEL + 4,
                    y + 14
                );
            }
        }
        o.push_str("</g>\n");
    }
    let nx = x(r.now);
    let _ = writeln!(
        o,
        "<line class=\"now\" x1=\"{nx}\" y1=\"4\" x2=\"{nx}\" y2=\"{}\"/><text class=\"now-label\" x=\"{}\" y=\"{}\">now {}</text>",
        height - 16,
        nx + 3,
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
.kpi th{font-weight:normal;background:#f6f8fa}\
.timeline text{font:12px monospace;fill:#1b1f24}\
.timeline .life{fill:#b6d4f2}.timeline .window{fill:#f2c46d;opacity:.85}\
.timeline .has-finding .life{stroke:#cf222e;stroke-width:2}.timeline .has-finding text{fill:#a40e26;font-weight:bold}\
.timeline .now{stroke:#cf222e;stroke-width:2;stroke-dasharray:4 3}.timeline .now-label{fill:#cf222e}\
tr.finding.critical td:first-child,tr.finding.high td:first-child{color:#a40e26;font-weight:bold}\
tr.accepted{color:#57606a}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
