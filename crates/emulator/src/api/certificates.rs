//! Client certificates.

use super::fields::{invalid_patch, opt_string, page, patch_ops, string_map};
use super::tags::validate_tags;
use super::{Answer, Ctx};
use crate::awserr::AwsError;
use crate::model::{CertRecord, Tags};
use crate::{Emulator, certs, now_secs, random_id};

const CERT_ID_LEN: usize = 6;

pub(super) fn cert_not_found() -> AwsError {
    AwsError::not_found("Invalid Client Certificate identifier specified")
}

fn limit_error(max: usize) -> AwsError {
    AwsError::limit_exceeded(format!(
        "The number of client certificates would exceed the account limit of {max}"
    ))
}

pub(crate) fn generate_certificate(
    emu: &Emulator,
    region: &str,
    description: Option<String>,
    tags: Tags,
) -> Result<CertRecord, AwsError> {
    validate_tags(&tags)?;
    let max = emu.config().max_client_certificates;
    if emu.read_region(region, |s| s.certificates.len()) >= max {
        return Err(limit_error(max));
    }
    let validity = i64::try_from(emu.config().cert_validity_secs).unwrap_or(i64::MAX);
    // Key generation and signing happen outside the store lock; the id is checked
    // for uniqueness (and the quota again) when inserting.
    for _ in 0..8 {
        let id = random_id(CERT_ID_LEN);
        let created = now_secs();
        let expires = created.saturating_add(validity);
        let issued = certs::issue(&id, created, expires)
            .map_err(|e| AwsError::bad_request(format!("Cannot issue certificate: {e}")))?;
        let record = CertRecord {
            id: id.clone(),
            description: description.clone(),
            pem: issued.pem,
            key_pem: issued.key_pem,
            created,
            expires,
            tags: tags.clone(),
        };
        // Ids are unique across regions, so the admin API can name a certificate
        // by id alone.
        let inserted = emu.mutate(|s| {
            if s.all_certificates().any(|c| c.id == id) {
                return Ok(None);
            }
            let inventory = s.regions.entry(region.to_owned()).or_default();
            if inventory.certificates.len() >= max {
                return Err(limit_error(max));
            }
            inventory.certificates.insert(id.clone(), record.clone());
            Ok(Some(record.clone()))
        })?;
        if let Some(r) = inserted {
            return Ok(r);
        }
    }
    Err(AwsError::conflict(
        "Could not allocate a unique client certificate id",
    ))
}

pub(super) fn generate_client_certificate(ctx: &Ctx<'_>) -> Answer {
    let body = ctx.body_object()?;
    let description = opt_string(&body, "description")?;
    let tags = string_map(&body, "tags")?;
    let cert = generate_certificate(ctx.emu, ctx.region, description, tags)?;
    Ok((201, Some(cert.to_json())))
}

pub(super) fn get_client_certificates(ctx: &Ctx<'_>) -> Answer {
    ctx.read(|s| page(ctx, &s.certificates, CertRecord::to_json))
}

pub(super) fn get_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.read(|s| match s.certificates.get(id) {
        Some(c) => Ok((200, Some(c.to_json()))),
        None => Err(cert_not_found()),
    })
}

pub(super) fn update_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    let ops = patch_ops(ctx)?;
    ctx.mutate(|s| {
        let mut cert = s.certificates.get(id).cloned().ok_or_else(cert_not_found)?;
        for op in &ops {
            match (op.op.as_str(), op.path.as_str()) {
                ("replace", "/description") => cert.description = op.value.clone(),
                ("remove", "/description") => cert.description = None,
                _ => return Err(invalid_patch(op, "/description")),
            }
        }
        let json = cert.to_json();
        s.certificates.insert(id.to_owned(), cert);
        Ok((200, Some(json)))
    })
}

pub(super) fn delete_client_certificate(ctx: &Ctx<'_>, id: &str) -> Answer {
    ctx.mutate(|s| match s.certificates.remove(id) {
        Some(_) => Ok((202, None)),
        None => Err(cert_not_found()),
    })
}
