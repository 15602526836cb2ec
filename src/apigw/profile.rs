//! Configure-time checks of what the SDK would otherwise only discover on the
//! first call, and then blame on whichever resource made it: the selected
//! profile must exist, and a region must be known (provider attribute,
//! environment, or the profile's `region`). Only the shared AWS files are
//! read; nothing is sent and no credentials are resolved.

use aws_types::os_shim_internal::{Env, Fs};

use super::Settings;
use tfplugin::{Diagnostic, Diagnostics};

/// Where the selected profile's name came from, for the message.
pub enum ProfileSource {
    Attribute,
    Environment,
    Default,
}

pub async fn check(settings: &Settings, source: ProfileSource) -> Diagnostics {
    check_with(settings, source, &Fs::real(), &Env::real()).await
}

async fn check_with(settings: &Settings, source: ProfileSource, fs: &Fs, env: &Env) -> Diagnostics {
    let selected = settings.profile.clone();
    let profiles = aws_config::profile::load(
        fs,
        env,
        &super::profile_files(settings),
        selected.clone().map(Into::into),
    )
    .await;
    let profiles = match profiles {
        Ok(p) => Some(p),
        Err(e) => {
            // Without a named profile or a region to find, unreadable files do
            // not matter here; the SDK reports them if it needs them.
            if selected.is_none() && settings.region.is_some() {
                return Vec::new();
            }
            return vec![Diagnostic::error(
                "Cannot read the shared AWS configuration",
                format!(
                    "The provider needs the shared AWS config and credentials files \
                     (~/.aws/config and ~/.aws/credentials, or AWS_CONFIG_FILE and \
                     AWS_SHARED_CREDENTIALS_FILE) to find {}, and reading them failed: {}. \
                     Fix the file, or set `region` and remove `profile` from the provider block.",
                    match &selected {
                        Some(p) => format!("profile {p:?}"),
                        None => "the region".to_string(),
                    },
                    chain(&e)
                ),
            )];
        }
    };
    let mut diags = Vec::new();
    if let (Some(name), Some(set)) = (&selected, &profiles)
        && set.get_profile(name).is_none()
    {
        let mut known: Vec<&str> = set.profiles().collect();
        known.sort_unstable();
        let known = if known.is_empty() {
            "there are no profiles in them".to_string()
        } else {
            format!("the profiles there are {}", known.join(", "))
        };
        let (from, at) = match source {
            ProfileSource::Attribute => (format!("profile = {name:?}"), true),
            ProfileSource::Environment => (format!("AWS_PROFILE={name:?}"), false),
            ProfileSource::Default => (format!("profile {name:?}"), false),
        };
        let d = Diagnostic::error(
            "Unknown AWS profile",
            format!(
                "{from} names no profile in the shared AWS config or credentials files \
                 (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE and \
                 AWS_SHARED_CREDENTIALS_FILE); {known}. Use one of those, add the profile, \
                 or remove the setting to use the default credentials chain."
            ),
        );
        diags.push(if at { d.at("profile") } else { d });
        return diags;
    }
    if settings.region.is_none() {
        let from_profile = profiles
            .as_ref()
            .and_then(|set| set.get_profile(set.selected_profile()))
            .and_then(|p| p.get("region"))
            .filter(|r| !r.trim().is_empty());
        if from_profile.is_none() {
            diags.push(Diagnostic::error(
                "No AWS region configured",
                format!(
                    "The apigw provider manages the client certificates and stages of one AWS \
                     region, and none is set: not the provider attribute `region`, not the \
                     AWS_REGION or AWS_DEFAULT_REGION environment variables, and not the \
                     `region` of the {} profile. Set `region = \"us-east-1\"` (for example) in \
                     the provider block, or export AWS_REGION.",
                    match &selected {
                        Some(p) => format!("{p:?}"),
                        None => "default".to_string(),
                    }
                ),
            ));
        }
    }
    diags
}

fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[default]\nregion = eu-west-1\n\n[profile ops]\noutput = json\n";

    fn files(config: &str) -> (Fs, Env) {
        (
            Fs::from_slice(&[("/home/u/.aws/config", config)]),
            Env::from_slice(&[("HOME", "/home/u")]),
        )
    }

    fn settings(region: Option<&str>, profile: Option<&str>) -> Settings {
        Settings {
            region: region.map(str::to_string),
            profile: profile.map(str::to_string),
            ..Settings::default()
        }
    }

    #[tokio::test]
    async fn unknown_profile_names_the_attribute_and_the_profiles_that_exist() {
        let (fs, env) = files(CONFIG);
        let d = check_with(
            &settings(Some("us-east-1"), Some("prod")),
            ProfileSource::Attribute,
            &fs,
            &env,
        )
        .await;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].summary, "Unknown AWS profile");
        assert_eq!(
            d[0].attribute,
            Some(tfplugin::AttributePath::attr("profile"))
        );
        assert!(
            d[0].detail.contains("profile = \"prod\""),
            "{}",
            d[0].detail
        );
        assert!(d[0].detail.contains("default, ops"), "{}", d[0].detail);

        let d = check_with(
            &settings(Some("us-east-1"), Some("prod")),
            ProfileSource::Environment,
            &fs,
            &env,
        )
        .await;
        assert!(
            d[0].detail.starts_with("AWS_PROFILE=\"prod\""),
            "{}",
            d[0].detail
        );
        assert_eq!(d[0].attribute, None);
    }

    #[tokio::test]
    async fn region_comes_from_the_attribute_or_the_selected_profile() {
        let (fs, env) = files(CONFIG);
        assert!(
            check_with(&settings(None, None), ProfileSource::Default, &fs, &env)
                .await
                .is_empty(),
            "the default profile has a region"
        );
        assert!(
            check_with(
                &settings(Some("us-east-1"), Some("ops")),
                ProfileSource::Attribute,
                &fs,
                &env
            )
            .await
            .is_empty()
        );
        let d = check_with(
            &settings(None, Some("ops")),
            ProfileSource::Attribute,
            &fs,
            &env,
        )
        .await;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].summary, "No AWS region configured");
        assert_eq!(d[0].attribute, None, "reported on the provider block");
        assert!(d[0].detail.contains("\"ops\" profile"), "{}", d[0].detail);
        assert!(d[0].detail.contains("AWS_REGION"), "{}", d[0].detail);
    }

    #[tokio::test]
    async fn no_files_and_no_region_is_the_region_error() {
        let (fs, env) = (Fs::from_slice(&[]), Env::from_slice(&[("HOME", "/home/u")]));
        let d = check_with(&settings(None, None), ProfileSource::Default, &fs, &env).await;
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].summary, "No AWS region configured");
        assert!(
            check_with(
                &settings(Some("us-east-1"), None),
                ProfileSource::Default,
                &fs,
                &env
            )
            .await
            .is_empty()
        );
    }
}
