//! The toy provider as a plugin binary, launched by the protocol tests the
//! way Terraform launches a provider.

mod toy_provider;

fn main() -> std::process::ExitCode {
    tfplugin::serve(
        toy_provider::ToyProvider::default(),
        &tfplugin::ServeOptions::new("tfplugin-toy-provider")
            .log_targets(["tfplugin_toy_provider"])
            .socket_dir_prefix("tfplugin-toy"),
    )
}
