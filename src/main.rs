fn main() -> std::process::ExitCode {
    tfplugin::serve(
        terraform_provider_apigw::provider::new(),
        &tfplugin::ServeOptions::new("terraform-provider-apigw")
            .log_targets(["terraform_provider_apigw", "rotation"])
            .socket_dir_prefix("tfprov-apigw"),
    )
}
