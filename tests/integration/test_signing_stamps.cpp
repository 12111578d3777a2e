// Values the sender fills in on an uploaded document are drawn into its page content before the first
// signature, so signers see them and no later change touches page content.
#include "daemon.h"
#include "test_signing_support.h"

#include <catch2/catch.hpp>

using namespace kvtest;
using namespace kvsign;

TEST_CASE("a sender's values are stamped into an uploaded document before anyone signs",
          "[integration][signing][stamp]") {
    World w;
    const Signer parent = w.join("parent", "Zoë O'Brien-Núñez", "zoe@example.org");
    const auto up = w.clinician.request(
        "POST", "/api/v1/cases/" + w.case_id + "/documents?type=other&title=Fee%20schedule&filename=fees.pdf",
        make_pdf("FEE-SCHEDULE", 1), "application/pdf");
    REQUIRE(up.status == 201);
    const std::string doc = str(up.json(), "id");

    Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
    body->set("document", doc);
    body->set("signers", signer_specs({{"parent_a", parent.party_id, 1}}));
    Poco::JSON::Array::Ptr stamps = new Poco::JSON::Array();
    Poco::JSON::Object::Ptr stamp = new Poco::JSON::Object();
    stamp->set("page", 0);
    stamp->set("x", 72.0);
    stamp->set("y", 600.0);
    stamp->set("width", 300.0);
    stamp->set("height", 16.0);
    stamp->set("text", "Session fee agreed: 250 USD");
    stamps->add(stamp);
    body->set("stamps", stamps);
    const auto created = w.clinician.post_json("/api/v1/cases/" + w.case_id + "/envelopes", body);
    INFO(created.body);
    REQUIRE(created.status == 201);
    const std::string id = str(created.json(), "id");
    REQUIRE(w.clinician.post_json("/api/v1/envelopes/" + id + "/send", new Poco::JSON::Object()).status ==
            200);

    SECTION("the signer is shown the stamped text") {
        const Viewed v = view(parent.api, id);
        REQUIRE(v.status == 200);
        write_file(w.path("shown.pdf"), v.pdf);
        CHECK(has(squeeze(pdftotext(w.path("shown.pdf"))), "Session fee agreed: 250 USD"));
    }
    SECTION("after signing, the stamp is in the signed revision and the signature holds") {
        (void)sign_over_api(parent, id);
        const auto executed = w.clinician.get("/api/v1/documents/" + doc + "/content");
        REQUIRE(executed.status == 200);
        write_file(w.path("executed.pdf"), executed.body);
        CHECK(has(squeeze(pdftotext(w.path("executed.pdf"))), "Session fee agreed: 250 USD"));
        const std::string report = pdfsig(w.path("executed.pdf"));
        CHECK(occurrences(report, "Signature is Valid.") >= 2);
        CHECK(has(report, "Total document signed"));
    }
    SECTION("a stamp off the page is refused and nothing is created") {
        Poco::JSON::Object::Ptr bad = new Poco::JSON::Object();
        bad->set("document", doc);
        bad->set("signers", signer_specs({{"parent_a", parent.party_id, 1}}));
        Poco::JSON::Array::Ptr off = new Poco::JSON::Array();
        Poco::JSON::Object::Ptr s = new Poco::JSON::Object();
        s->set("page", 7);
        s->set("text", "nowhere");
        off->add(s);
        bad->set("stamps", off);
        const auto refused = w.clinician.post_json("/api/v1/cases/" + w.case_id + "/envelopes", bad);
        CHECK(refused.status == 400);
    }
}
