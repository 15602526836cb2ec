//! The report for people: findings grouped by severity, then a summary and the KPIs.

use std::fmt::Write as _;

use super::Report;
use crate::finding::Suppression;
use crate::severity::Severity;

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let i = &r.input;
    let tf = i
        .terraform_version
        .as_deref()
        .map(|v| format!(", Terraform {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "apigw-policy: {} ({} format {}{tf}) as of {}",
        i.name,
        i.kind,
        i.format_version,
        rotation::format_rfc3339(r.now)
    );
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<_> = r
            .outcome
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "\n{} ({})",
            severity.as_str().to_uppercase(),
            group.len()
        );
        for f in group {
            let _ = writeln!(o, "  {} {}", f.rule_id, f.title);
            let _ = writeln!(o, "    resource     {}", f.address);
            if let Some(id) = &f.certificate_id {
                match &f.certificate_address {
                    Some(addr) => {
                        let _ = writeln!(o, "    certificate  {id} ({addr})");
                    }
                    None => {
                        let _ = writeln!(o, "    certificate  {id}");
                    }
                }
            }
            if let Some(exp) = &f.expiration_date {
                let days = match f.days_left {
                    Some(d) if d < 0 => " (expired)".to_string(),
                    Some(d) => format!(" ({d} days left)"),
                    None => String::new(),
                };
                let due = f
                    .rotation_due_date
                    .as_deref()
                    .map(|d| format!(", rotation due {d}"))
                    .unwrap_or_default();
                let _ = writeln!(o, "    expires      {exp}{days}{due}");
            }
            let _ = writeln!(o, "    problem      {}", f.message);
            let _ = writeln!(o, "    fix          {}", f.fix);
            if let Some(note) = &f.expired_exception {
                let _ = writeln!(o, "    exception    {note}");
            }
        }
    }
    let accepted: Vec<_> = r
        .outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    if !accepted.is_empty() {
        let _ = writeln!(o, "\nACCEPTED ({}; not failing the run)", accepted.len());
        for f in accepted {
            let why = match &f.suppressed {
                Some(Suppression::Exception {
                    reason, expires, ..
                }) => format!("exception until {expires}: {reason}"),
                _ => "known from the baseline".to_string(),
            };
            let _ = writeln!(o, "  {} {} {}", f.rule_id, f.severity, f.address);
            let _ = writeln!(o, "    accepted     {why}");
        }
    }
    let n = r
        .outcome
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .count();
    if n == 0 {
        let _ = writeln!(o, "\nNo findings.");
    } else {
        let parts: Vec<String> = r
            .counts()
            .into_iter()
            .filter(|(_, c)| *c > 0)
            .map(|(s, c)| format!("{c} {s}"))
            .collect();
        let verdict = if r.failed() { "fails" } else { "passes" };
        let _ = writeln!(
            o,
            "\n{n} finding{} ({}); {verdict} --fail-on {}",
            if n == 1 { "" } else { "s" },
            parts.join(", "),
            r.fail_on
        );
    }
    let k = &r.outcome.kpi;
    let _ = write!(
        o,
        "KPIs: {} certificate{} after this {}; expiring within 30/60/90 days: {}/{}/{}; {} due; {} expired; {} of {} ({:.0}%) with an owner tag",
        k.certificates,
        if k.certificates == 1 { "" } else { "s" },
        i.kind,
        k.under_30_days,
        k.under_60_days,
        k.under_90_days,
        k.due,
        k.expired,
        k.with_owner,
        k.certificates,
        k.owner_share * 100.0
    );
    if let Some(mean) = k.remediation_mean_days {
        let n = k.remediations.len();
        let longest = k.remediations.iter().map(|x| x.days).fold(0.0, f64::max);
        let _ = write!(
            o,
            "; remediation time: mean {mean:.1} days from rotation window to switch over {n} replaced certificate{} (longest {longest:.1})",
            if n == 1 { "" } else { "s" }
        );
    }
    if k.unreadable > 0 {
        let _ = write!(
            o,
            "; {} unreadable date{} (APIGW007: not counted above)",
            k.unreadable,
            if k.unreadable == 1 { "" } else { "s" }
        );
    }
    o.push('\n');
    o
}
