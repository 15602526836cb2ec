//! The governance KPIs a plan can answer, over the certificates that exist after it.

use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, Owner, Slot};
use crate::remediation::{self, Remediation};

/// The fixed horizon of the "under 30 days" KPI (not the configurable window, so that
/// the number compares across teams).
pub const UNDER_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    /// Certificates that exist after the plan (every live slot of a rotating resource
    /// counts; certificates created by the plan count).
    pub certificates: usize,
    /// Not yet expired, expiring within 30 days.
    pub under_30_days: usize,
    /// Not yet expired, expiring within 60 days (those within 30 included).
    #[serde(default)]
    pub under_60_days: usize,
    /// Not yet expired, expiring within 90 days (those within 60 included).
    #[serde(default)]
    pub under_90_days: usize,
    /// In-use certificates (AWS certificates, rotating resources' current) past their
    /// rotation due date, expired ones included.
    pub due: usize,
    pub expired: usize,
    /// Certificates whose resource carries an owner tag.
    pub with_owner: usize,
    /// `with_owner / certificates` (1.0 when there are none).
    pub owner_share: f64,
    /// Dates present but unreadable (APIGW007): certificates the expiry KPIs could not
    /// count.
    #[serde(default)]
    pub unreadable: usize,
    /// Live scans: certificates no stage presents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused: Option<usize>,
    /// Live scans: per region, certificates against the quota.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<RegionKpi>,
    /// Remediation time: every replaced certificate the input shows, with the days
    /// from its rotation window opening to the switch (see [`crate::remediation`]).
    #[serde(default)]
    pub remediations: Vec<Remediation>,
    /// The mean of `remediations`' days; null when the input shows no replacement.
    #[serde(default)]
    pub remediation_mean_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionKpi {
    pub region: String,
    pub certificates: usize,
    pub stages: usize,
    pub unused: usize,
    pub quota: usize,
    /// `quota - certificates` (0 at or above the quota).
    pub headroom: usize,
}

impl Kpi {
    pub fn compute(a: &Analysis, default_rotate_before: u64) -> Kpi {
        let now = a.now;
        let mut k = Kpi {
            certificates: a.certificates.len(),
            under_30_days: 0,
            under_60_days: 0,
            under_90_days: 0,
            due: 0,
            expired: 0,
            with_owner: 0,
            owner_share: 1.0,
            unreadable: a.unreadable.len(),
            unused: None,
            regions: Vec::new(),
            remediations: remediation::remediations(
                remediation::from_analysis(a),
                default_rotate_before,
            ),
            remediation_mean_days: None,
        };
        k.remediation_mean_days = remediation::mean_days(&k.remediations);
        for c in &a.certificates {
            if matches!(c.owner, Owner::Yes(_)) {
                k.with_owner += 1;
            }
            let Some(exp) = c.expiration else {
                continue;
            };
            if rotation::is_expired(now, exp) {
                k.expired += 1;
            } else {
                for (days, count) in [
                    (UNDER_DAYS, &mut k.under_30_days),
                    (60, &mut k.under_60_days),
                    (90, &mut k.under_90_days),
                ] {
                    if rotation::is_due(now, exp, (days * 86_400) as u64) {
                        *count += 1;
                    }
                }
            }
            if matches!(c.slot, None | Some(Slot::Current))
                && rotation::is_due(now, exp, c.rotate_before.unwrap_or(default_rotate_before))
            {
                k.due += 1;
            }
        }
        if k.certificates > 0 {
            k.owner_share = k.with_owner as f64 / k.certificates as f64;
        }
        k
    }
}

impl Kpi {
    pub fn add_live(&mut self, live: &crate::scan::LiveFacts, default_rotate_before: u64) {
        self.remediations.extend(remediation::remediations(
            live.switches.clone(),
            default_rotate_before,
        ));
        self.remediation_mean_days = remediation::mean_days(&self.remediations);
        self.unused = Some(live.regions.iter().map(|r| r.unused.len()).sum());
        self.regions = live
            .regions
            .iter()
            .map(|r| RegionKpi {
                region: r.region.clone(),
                certificates: r.certificates,
                stages: r.stages,
                unused: r.unused.len(),
                quota: r.quota,
                headroom: r.quota.saturating_sub(r.certificates),
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::*;
    use serde_json::json;

    #[test]
    fn counts_each_kpi() {
        let mut untagged = aws_cert("c3", 100);
        untagged["tags"] = json!({});
        untagged["tags_all"] = json!({});
        let doc = Plan::new()
            .unchanged("aws_api_gateway_client_certificate.a", aws_cert("c1", 10))
            .unchanged("aws_api_gateway_client_certificate.b", aws_cert("c2", -1))
            .unchanged("aws_api_gateway_client_certificate.c", untagged)
            .unchanged(
                "apigw_rotating_client_certificate.r",
                rotating(("r2", 300), Some(("r1", 20))),
            )
            .doc();
        let a = Analysis::new(&doc, now(), &["owner".to_string()]);
        let k = Kpi::compute(&a, 60 * 86_400);
        assert_eq!(k.certificates, 5);
        assert_eq!(k.under_30_days, 2, "c1 and the previous r1");
        assert_eq!(k.expired, 1);
        assert_eq!(k.due, 2, "c1 and c2; r2 is fine and r1 is not in use");
        assert_eq!(k.with_owner, 4);
        assert!((k.owner_share - 0.8).abs() < 1e-9);
    }
}
