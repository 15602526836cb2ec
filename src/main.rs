fn main() -> std::process::ExitCode {
    terraform_provider_apigw::tfplugin::serve(terraform_provider_apigw::provider::new())
}
