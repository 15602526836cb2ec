//! Compiles proto/ with a pure-Rust protobuf compiler, so building needs no
//! protoc install.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = [
        "proto/tfplugin6.proto",
        "proto/grpc_controller.proto",
        "proto/grpc_stdio.proto",
        "proto/grpc_broker.proto",
    ];
    for f in files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        // Clients are generated for the protocol tests; they never open
        // connections themselves (no transport), the tests bring their own.
        .build_client(true)
        .build_transport(false)
        .compile_fds(fds)?;
    Ok(())
}
