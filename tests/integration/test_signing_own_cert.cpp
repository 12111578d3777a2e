// Bring your own certificate (issue 4 item 5): a signer whose P-256 key and certificate come from their own
// CA (made here with openssl) signs an envelope with `kinvault envelope sign --key --cert` (the server
// prepares, the client signs the digest, the server injects) and signs a PDF on their own machine with
// `kinvault sign-local`; pdfsig and openssl accept the results, and a key that does not belong to the
// certificate is refused.
#include "test_signing_support.h"

#include <Poco/Base64Encoder.h>

using namespace kvsign;

namespace {

// An own CA with one signer certificate and an unrelated second key, all made by openssl.
struct OwnPki {
    std::string ca_key, ca_cert, key, cert, other_key;

    explicit OwnPki(const std::string& dir)
        : ca_key(dir + "/own-ca.key"), ca_cert(dir + "/own-ca.pem"), key(dir + "/own.key"),
          cert(dir + "/own.pem"), other_key(dir + "/other.key") {
        std::filesystem::create_directories(dir);
        const std::string csr = dir + "/own.csr";
        const std::string ext = dir + "/own.ext";
        kvtest::write_file(ext, "basicConstraints=critical,CA:FALSE\n"
                                "keyUsage=critical,digitalSignature,nonRepudiation\n"
                                "subjectKeyIdentifier=hash\n"
                                "authorityKeyIdentifier=keyid\n");
        for (const std::string& k : {ca_key, key, other_key}) {
            run({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", k});
        }
        run({"openssl", "req", "-x509", "-new", "-key", ca_key, "-subj", "/CN=Raman Clinic Test Signing CA",
             "-days", "30", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign", "-out", ca_cert});
        run({"openssl", "req", "-new", "-key", key, "-subj",
             "/CN=Dr Priya Raman/emailAddress=priya.raman@example.org", "-out", csr});
        run({"openssl", "x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial",
             "-days", "30", "-extfile", ext, "-out", cert});
    }

    static void run(const std::vector<std::string>& argv) {
        const auto r = tool(argv);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
    }
};

// The therapist signs alone in the envelope; the envelope JSON after sending.
struct OwnCertEnvelope {
    World w;
    Signer therapist = w.join("child-therapist", "Dr Priya Raman", "priya.raman@example.org");
    OwnPki pki{w.dir.path()};
    std::string original = kvtest::make_pdf("KINVAULT-OWN-CERT", 3);
    Poco::JSON::Object::Ptr sent =
        document_envelope(w, original, {{"therapist", therapist.party_id, 1, "", ""}});
    std::string id = str(sent, "id");
};

} // namespace

TEST_CASE("A signer signs an envelope with their own key and certificate, and the key stays on their machine",
          "[integration][signing]") {
    OwnCertEnvelope x;
    const auto r = sign_with_cli(x.therapist, x.id, {"--key", x.pki.key, "--cert", x.pki.cert});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto done = envelope(x.w.clinician, x.id);
    const std::string path = x.w.path("own-cert-executed.pdf");
    kvtest::write_file(path, document_bytes(x.w, str(done, "document_id")));
    const std::string pdf = kvtest::read_file(path);

    SECTION("the envelope completes, recording a signature with the signer's own certificate") {
        CHECK(str(done, "state") == "completed");
        const auto s = signer_entry(done, "therapist");
        CHECK(str(s, "state") == "signed");
        CHECK(str(s, "signing_mode") == "own certificate");
    }
    SECTION("pdfsig says the signer's signature and the practice seal are valid") {
        const std::string out = pdfsig(path);
        INFO(out);
        const auto blocks = pdfsig_blocks(out);
        REQUIRE(blocks.size() == 2);
        CHECK(has(blocks[0], "Signer Certificate Common Name: Dr Priya Raman"));
        CHECK(has(blocks[0], "Signature is Valid."));
        CHECK(has(blocks[1], "Signature is Valid."));
        CHECK(has(blocks[1], "Total document signed"));
    }
    SECTION("openssl chains the signer's signature to their own CA and the seal to the practice root") {
        const auto sigs = cut_signatures(pdf);
        REQUIRE(sigs.size() == 2);
        const auto own = openssl_verify(sigs[0], x.pki.ca_cert, x.w.dir.path());
        INFO(own.out);
        CHECK(has(own.out, "CAdES Verification successful"));
        const auto not_practice = openssl_verify(sigs[0], x.w.root_ca(), x.w.dir.path());
        CHECK(not_practice.exit_code != 0);
        const auto seal = openssl_verify(sigs[1], x.w.root_ca(), x.w.dir.path());
        INFO(seal.out);
        CHECK(has(seal.out, "CAdES Verification successful"));
    }
    SECTION("kinvault verify accepts it given both roots") {
        const auto v = x.w.clinician_cli.run({"verify", path, "--ca", x.w.root_ca(), "--ca", x.pki.ca_cert});
        INFO(v.out << v.err);
        CHECK(v.exit_code == 0);
        CHECK(has(v.out, "Signer:     Dr Priya Raman"));
    }
    SECTION("the server issued no key of its own for the signer") {
        // The practice-issued key path stores a signer certificate; an own-certificate signature must not.
        const auto rows =
            tool({"python3", "-c",
                  "import sqlite3, sys\n"
                  "con = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)\n"
                  "print(con.execute(\"SELECT count(*) FROM records WHERE kind = 'signer-cert'\")"
                  ".fetchone()[0])\n",
                  x.w.daemon.data_dir() + "/kinvault.db"});
        INFO(rows.err);
        REQUIRE(rows.exit_code == 0);
        CHECK(rows.out == "0\n");
    }
}

// The visible mark in the signer's widget prints a signature id (pdf/sign.cpp), and the certificate of
// completion lists the signature id the envelope recorded: for the one signature they must be the same id.
TEST_CASE("An own-certificate signature's visible id is the one the envelope records",
          "[integration][signing]") {
    OwnCertEnvelope x;
    REQUIRE(sign_with_cli(x.therapist, x.id, {"--key", x.pki.key, "--cert", x.pki.cert}).exit_code == 0);
    const auto done = envelope(x.w.clinician, x.id);
    const std::string path = x.w.path("own-cert-executed.pdf");
    kvtest::write_file(path, document_bytes(x.w, str(done, "document_id")));
    const std::string recorded = str(signer_entry(done, "therapist"), "signature_id");
    REQUIRE_FALSE(recorded.empty());
    const std::string text = squeeze(text_with_appearances(path, x.w.dir.path()));
    INFO(text);
    CHECK(has(text, recorded));
}

TEST_CASE("An own key whose certificate does not match it is refused", "[integration][signing]") {
    OwnCertEnvelope x;
    SECTION("by kinvault envelope sign, which leaves the envelope unsigned") {
        const int before = envelope(x.w.clinician, x.id)->getValue<int>("current_version");
        const auto r = sign_with_cli(x.therapist, x.id, {"--key", x.pki.other_key, "--cert", x.pki.cert});
        INFO(r.out << r.err);
        CHECK(r.exit_code == 7); // input refused
        CHECK(has(r.err, "kinvault: the private key does not belong to the certificate"));
        const auto e = envelope(x.w.clinician, x.id);
        CHECK(str(e, "state") == "sent");
        CHECK(e->getValue<int>("current_version") == before);
        CHECK(str(signer_entry(e, "therapist"), "state") != "signed");
    }
    SECTION("by kinvault sign-local, which writes no output") {
        const std::string in = x.w.path("in.pdf");
        const std::string out = x.w.path("out.pdf");
        kvtest::write_file(in, x.original);
        const auto r =
            x.therapist.cli.run({"sign-local", "--key", x.pki.other_key, "--cert", x.pki.cert, in, out});
        INFO(r.out << r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.err.rfind("kinvault: ", 0) == 0);
        CHECK_FALSE(std::filesystem::exists(out));
    }
}

TEST_CASE("kinvault sign-local signs a PDF on the signer's machine so that pdfsig and openssl agree",
          "[integration][signing]") {
    kvtest::TempDir dir("kvsignlocal");
    const OwnPki pki(dir.path());
    const std::string in = dir.path() + "/in.pdf";
    const std::string out = dir.path() + "/out.pdf";
    kvtest::write_file(in, kvtest::make_pdf("KINVAULT-SIGN-LOCAL", 3));
    // No server: sign-local and verify need no profile or session.
    const kvtest::CliUser me(dir.path() + "/home", "unused");
    const auto r = me.run({"sign-local", "--key", pki.key, "--cert", pki.cert, in, out});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string signed_pdf = kvtest::read_file(out);
    SECTION("the input stays the prefix of the output (an incremental update)") {
        const std::string original = kvtest::read_file(in);
        CHECK(signed_pdf.compare(0, original.size(), original) == 0);
    }
    SECTION("pdfsig says the one signature is valid and covers the whole file") {
        const std::string text = pdfsig(out);
        INFO(text);
        const auto blocks = pdfsig_blocks(text);
        REQUIRE(blocks.size() == 1);
        CHECK(has(blocks[0], "Signer Certificate Common Name: Dr Priya Raman"));
        CHECK(has(blocks[0], "Signature is Valid."));
        CHECK(has(blocks[0], "Total document signed"));
    }
    SECTION("openssl chains it to the signer's own CA") {
        const auto sigs = cut_signatures(signed_pdf);
        REQUIRE(sigs.size() == 1);
        const auto v = openssl_verify(sigs[0], pki.ca_cert, dir.path());
        INFO(v.out);
        CHECK(has(v.out, "CAdES Verification successful"));
    }
    SECTION("qpdf finds no errors") {
        const auto q = qpdf_check(out);
        INFO(q.out << q.err);
        CHECK(q.exit_code == 0);
    }
    SECTION("kinvault verify accepts it with the own CA and fails it with an unrelated root") {
        CHECK(me.run({"verify", out, "--ca", pki.ca_cert}).exit_code == 0);
        const OwnPki other(dir.path() + "/other");
        CHECK(me.run({"verify", out, "--ca", other.ca_cert}).exit_code == 5);
    }
}

// The client is not trusted: what it sends back to /external/complete is checked against the digest the
// server prepared and the certificate the signer declared.
TEST_CASE("The server refuses an own-certificate signature over other bytes than it prepared",
          "[integration][signing]") {
    OwnCertEnvelope x;
    const Viewed v = view(x.therapist.api, x.id);
    REQUIRE(consent(x.therapist.api, x.id).status == 204);
    auto body = sign_body(v.sha256, x.therapist.password, x.therapist.name);
    body->set("certificate_pem", kvtest::read_file(x.pki.cert));
    const auto prepared = x.therapist.api.post_json("/api/v1/envelopes/" + x.id + "/external/prepare", body);
    INFO(prepared.body);
    REQUIRE(prepared.status == 200);
    REQUIRE(str(prepared.json(), "digest_sha256").size() == 64);

    // A genuine CMS by the same key and certificate, but over another PDF (made by sign-local).
    const std::string in = x.w.path("other-in.pdf");
    const std::string out = x.w.path("other-out.pdf");
    kvtest::write_file(in, kvtest::make_pdf("SOMETHING-ELSE", 1));
    REQUIRE(
        x.therapist.cli.run({"sign-local", "--key", x.pki.key, "--cert", x.pki.cert, in, out}).exit_code ==
        0);
    const auto other = cut_signatures(kvtest::read_file(out));
    REQUIRE(other.size() == 1);
    std::ostringstream b64;
    Poco::Base64Encoder encoder(b64);
    encoder.rdbuf()->setLineLength(0);
    encoder << other[0].der;
    encoder.close();
    Poco::JSON::Object::Ptr done = new Poco::JSON::Object();
    done->set("prepared_id", str(prepared.json(), "prepared_id"));
    done->set("cms", b64.str());
    const auto r = x.therapist.api.post_json("/api/v1/envelopes/" + x.id + "/external/complete", done);
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(has(error_message(r), "does not match the prepared document"));
    const auto e = envelope(x.w.clinician, x.id);
    CHECK(str(e, "state") == "sent");
    CHECK(str(signer_entry(e, "therapist"), "state") != "signed");
    CHECK(cut_signatures(view(x.w.clinician, x.id).pdf).empty());
}
