// Envelope expiry through the real daemon: the clock is moved forward with the testing-only clock offset
// (a restart with KINVAULT_TESTING_CLOCK_OFFSET_SECONDS), then the sweep and every view say "expired".
#include "daemon.h"
#include "test_signing_support.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace kvtest;
using namespace kvsign;

TEST_CASE("an envelope nobody finished signing expires, stays unsigned and says so everywhere",
          "[integration][signing][expiry]") {
    World w;
    const Signer parent = w.join("parent", "Ada Okafor", "ada@example.org");
    const auto e =
        document_envelope(w, make_pdf("EXPIRY-MARKER", 1), {{"parent_a", parent.party_id, 1}}, true, 1);
    const std::string id = str(e, "id");
    const std::string doc = str(e, "document_id");

    // Two days later, with the sweep running every second.
    w.daemon.stop();
    w.daemon.set_env("KINVAULT_TESTING_CLOCK_OFFSET_SECONDS", std::to_string(2 * 86400));
    w.daemon.set_env("KINVAULT_ENVELOPE_SWEEP_SECONDS", "1");
    w.daemon.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    // Sessions from two days ago have ended: sign in again.
    Client clinician(w.daemon.url(), w.daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    Client signer(w.daemon.url(), w.daemon.ca_path());
    signer.login(parent.email, parent.password);

    SECTION("the status says expired, for the sender and the signer") {
        CHECK(str(envelope(clinician, id), "state") == "expired");
        CHECK(str(envelope(signer, id), "state") == "expired");
        const auto list = clinician.get("/api/v1/cases/" + w.case_id + "/envelopes");
        REQUIRE(list.status == 200);
        CHECK(list.body.find("\"expired\"") != std::string::npos);
    }
    SECTION("signing is refused with a clear message and the document has no signature") {
        const auto v = signer.get("/api/v1/envelopes/" + id + "/document");
        const auto r = signer.post_json(
            "/api/v1/envelopes/" + id + "/sign",
            obj({{"viewed_sha256", "x"}, {"typed_signature", "Ada Okafor"}, {"password", parent.password}}));
        CHECK(r.status == 410);
        CHECK(r.body.find("expired") != std::string::npos);
        const auto content = clinician.get("/api/v1/documents/" + doc + "/content");
        REQUIRE(content.status == 200);
        CHECK(content.body.find("/ByteRange") == std::string::npos);
    }
    SECTION("the expiry is in the audit log") {
        const auto entries = clinician.get("/api/v1/audit/entries?from=0&count=5000");
        REQUIRE(entries.status == 200);
        CHECK(entries.body.find("envelope.expire") != std::string::npos);
    }
}
