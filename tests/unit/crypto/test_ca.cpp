#include "crypto/ca.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace kinvault;
using namespace kinvault::crypto;

namespace {

std::string run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
        out.append(buf, n);
    }
    ::pclose(p);
    return out;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const auto path =
        std::filesystem::temp_directory_path() / ("kv-ca-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path.string();
}

} // namespace

TEST_CASE("certificates issued by the practice root verify with openssl", "[ca]") {
    const UnixTime now = SystemClock().now();
    auto root = create_root_ca("Harbor Family Practice", now, 10);
    REQUIRE(root);
    const std::string root_path = write_temp("root.pem", root->certificate_pem);

    SECTION("the TLS certificate chains to the root for serverAuth with its names") {
        auto tls = issue_tls_certificate(*root, {"localhost"}, {"127.0.0.1"}, now, 30);
        REQUIRE(tls);
        const std::string tls_path = write_temp("tls.pem", tls->certificate_pem);
        const std::string out =
            run("openssl verify -CAfile " + root_path + " -purpose sslserver " + tls_path);
        CHECK(out.find(": OK") != std::string::npos);
        const std::string text = run("openssl x509 -noout -text -in " + tls_path);
        CHECK(text.find("DNS:localhost") != std::string::npos);
        CHECK(text.find("IP Address:127.0.0.1") != std::string::npos);
        std::filesystem::remove(tls_path);
    }
    SECTION("a signer certificate carries the signer's name and e-mail and chains to the root") {
        auto key = generate_p256_key();
        REQUIRE(key);
        auto cert = issue_signer_certificate(*root, key->public_key_pem,
                                             {"Nguyễn Thị Ánh", "anh@example.org", ""}, now, 365);
        REQUIRE(cert);
        const std::string path = write_temp("signer.pem", *cert);
        CHECK(run("openssl verify -CAfile " + root_path + " " + path).find(": OK") != std::string::npos);
        const std::string text = run("openssl x509 -noout -text -nameopt utf8 -in " + path);
        CHECK(text.find("Nguyễn Thị Ánh") != std::string::npos);
        CHECK(text.find("email:anh@example.org") != std::string::npos);
        CHECK(text.find("Non Repudiation") != std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("a certificate from another root does not verify") {
        auto other = create_root_ca("Other Practice", now, 10);
        REQUIRE(other);
        auto tls = issue_tls_certificate(*other, {"localhost"}, {}, now, 30);
        REQUIRE(tls);
        const std::string path = write_temp("other.pem", tls->certificate_pem);
        CHECK(run("openssl verify -CAfile " + root_path + " " + path).find(": OK") == std::string::npos);
        std::filesystem::remove(path);
    }
    SECTION("the fingerprint matches openssl's SHA-256 fingerprint") {
        auto fp = certificate_fingerprint(root->certificate_pem);
        REQUIRE(fp);
        const std::string out = run("openssl x509 -noout -fingerprint -sha256 -in " + root_path);
        CHECK(out.find(*fp) != std::string::npos);
    }
    std::filesystem::remove(root_path);
}
