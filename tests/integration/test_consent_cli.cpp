// End to end through the `kinvault` CLI against a real kinvaultd (issue 3, "How it is proven"): a family with
// two parents in joint legal custody, one child with an individual therapist and an attorney for each parent.
// Coordination readiness goes from "missing" to "ready" as ROIs are recorded and back to "not ready" on a
// revocation, and an attorney's `doc list` follows the ROI that names them.
#include "daemon.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kvtest;

namespace {

struct Person {
    std::string party;
    CliUser cli;
};

std::string field(const Poco::Dynamic::Var& v, const std::string& key) {
    return v.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>(key);
}

std::vector<std::string> ids(const Poco::Dynamic::Var& list) {
    std::vector<std::string> out;
    const auto a = list.extract<Poco::JSON::Array::Ptr>();
    for (std::size_t i = 0; i < a->size(); ++i) {
        out.push_back(a->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    }
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

ProcessResult ok(const ProcessResult& r) {
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
}

struct Clinic {
    Daemon daemon;
    TempDir homes{"kvcli"};
    CliUser clinician{homes.path() + "/clinician", k_clinician_password};
    std::string case_id;

    Clinic() {
        ok(clinician.run({"--server", daemon.url(), "--ca", daemon.ca_path(), "login", k_clinician_email}));
        case_id = field(clinician.json({"case", "create", "Rivera family", "--mode", "open"}), "id");
    }

    Person join(const std::string& role, const std::string& name, const std::string& email,
                const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"party",  "invite", case_id,   "--role", role,
                                      "--name", name,     "--email", email};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto inv = clinician.json(args);
        const auto o = inv.extract<Poco::JSON::Object::Ptr>();
        Person p{o->getObject("party")->getValue<std::string>("id"),
                 CliUser(homes.path() + "/" + email, "password-of-" + email)};
        ok(p.cli.run({"--ca", daemon.ca_path(), "invitation", "accept", o->getValue<std::string>("link")}));
        return p;
    }

    std::string upload(const CliUser& who, const std::string& type, const std::string& marker) {
        const std::string file = homes.path() + "/" + marker + ".pdf";
        write_file(file, make_pdf(marker, 1));
        return field(who.json({"doc", "upload", case_id, file, "--type", type}), "id");
    }

    // A complete ROI about `subject`, prepared by the clinician; returns its id.
    std::string roi(const std::string& subject, const std::string& recipient, const std::string& direction,
                    const std::string& purpose, const std::string& marker) {
        const std::string doc = upload(clinician, "roi", marker);
        return field(clinician.json({"roi",
                                     "create",
                                     case_id,
                                     "--document",
                                     doc,
                                     "--subject",
                                     subject,
                                     "--recipient",
                                     recipient,
                                     "--type",
                                     "report",
                                     "--description",
                                     "progress reports",
                                     "--purpose",
                                     purpose,
                                     "--direction",
                                     direction,
                                     "--expires",
                                     "2030-01-01",
                                     "--statements",
                                     "all",
                                     "--template-version",
                                     "roi-2025.1"}),
                     "id");
    }
};

} // namespace

TEST_CASE("readiness and an attorney's document list follow the ROIs recorded and revoked, through the CLI",
          "[integration][consent][cli]") {
    Clinic c;
    Person mary = c.join("parent", "Mary Rivera", "mary@example.org");
    Person frank = c.join("parent", "Frank Rivera", "frank@example.org");
    Person sam = c.join("child", "Sam Rivera", "sam@example.org", {"--dob", "2016-04-01"});
    Person lee = c.join("child-therapist", "Dr. Lee", "lee@example.org");
    Person alan = c.join("attorney", "Alan Law", "alan@example.org", {"--represents", frank.party});
    Person beth = c.join("attorney", "Beth Law", "beth@example.org", {"--represents", mary.party});
    const CliUser& clin = c.clinician;

    ok(clin.run({"party", "treats", lee.party, "--child", sam.party}));
    const std::string order_doc = c.upload(mary.cli, "court-order", "CUSTODY-ORDER");
    const std::string order =
        field(clin.json({"order", "add", c.case_id, "--document", order_doc, "--court",
                         "Superior Court, Alameda", "--case-number", "FL-2025-001", "--issued", "2025-05-20",
                         "--term", "custody joint Mary Rivera, Frank Rivera"}),
              "id");
    ok(clin.run({"order", "verify", order}));
    const std::string report = c.upload(clin, "report", "PROGRESS-REPORT");

    // Nothing signed yet: readiness names what is missing and from whom; the attorneys see nothing.
    ProcessResult r = clin.run({"readiness", c.case_id});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.out, Catch::Contains("NOT READY") && Catch::Contains("Mary Rivera or Frank Rivera") &&
                          Catch::Contains("missing"));
    CHECK_FALSE(has(ids(alan.cli.json({"doc", "list", c.case_id})), report));

    // Clinician -> therapist, signed on paper by Mary as legal custodian: half of what is needed.
    const std::string outbound = c.roi(sam.party, "therapist-of:" + sam.party, "clinician-to-recipient",
                                       "coordination-of-care", "ROI-OUT");
    ok(clin.run({"roi", "record-signature", outbound, "--signer", mary.party, "--capacity",
                 "parent-legal-custody", "--authority", order}));
    r = clin.run({"readiness", c.case_id});
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.out, Catch::Contains("active") &&
                          Catch::Contains("share information about Sam Rivera with the clinician"));

    // Therapist -> clinician, signed by Frank: ready.
    const std::string inbound =
        c.roi(sam.party, lee.party, "recipient-to-clinician", "coordination-of-care", "ROI-IN");
    ok(clin.run({"roi", "record-signature", inbound, "--signer", frank.party, "--capacity",
                 "parent-legal-custody", "--authority", order}));
    r = clin.run({"readiness", c.case_id});
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("READY"));

    // An ROI naming Frank's counsel of record: Alan's document list now shows the report, Beth's does not.
    const std::string counsel = c.roi(sam.party, "counsel-of-record-for:" + frank.party,
                                      "clinician-to-recipient", "legal-proceedings", "ROI-C");
    ok(clin.run({"roi", "record-signature", counsel, "--signer", frank.party, "--capacity",
                 "parent-legal-custody", "--authority", order}));
    CHECK(has(ids(alan.cli.json({"doc", "list", c.case_id})), report));
    CHECK_FALSE(has(ids(beth.cli.json({"doc", "list", c.case_id})), report));
    const std::string copy = c.homes.path() + "/alan-copy.pdf";
    r = ok(alan.cli.run({"doc", "get", report, "-o", copy}));
    CHECK_THAT(r.out, Catch::Contains("CA Civil Code 56.13"));
    const auto disclosed = alan.party;
    r = ok(clin.run({"disclosures", c.case_id, "--party", disclosed}));
    CHECK_THAT(r.out, Catch::Contains("Alan Law") && Catch::Contains("R3.roi") && Catch::Contains(counsel));

    // Mary, a joint custodian, revokes the outbound ROI: not ready again, and readiness says it was revoked.
    r = ok(mary.cli.run({"roi", "revoke", outbound}));
    r = clin.run({"readiness", c.case_id});
    CHECK(r.exit_code == 6);
    CHECK_THAT(r.out, Catch::Contains("revoked"));

    // Frank revokes the ROI for his counsel: the report leaves Alan's list at once, and the clinician can see
    // why.
    ok(frank.cli.run({"roi", "revoke", counsel}));
    CHECK_FALSE(has(ids(alan.cli.json({"doc", "list", c.case_id})), report));
    CHECK(alan.cli.run({"doc", "get", report, "-o", copy + ".2"}).exit_code == 4);
    r = ok(clin.run({"access", "explain", report, "--as", alan.party}));
    CHECK_THAT(r.out, Catch::Contains("deny") && Catch::Contains("R7.revoked") && Catch::Contains(counsel));

    // The revoked ROI exports as an inactive FHIR R5 Consent.
    const std::string fhir = c.homes.path() + "/consent.json";
    ok(clin.run({"roi", "export", counsel, "--format", "fhir", "-o", fhir}));
    Poco::JSON::Parser parser;
    const auto consent = parser.parse(read_file(fhir)).extract<Poco::JSON::Object::Ptr>();
    CHECK(consent->getValue<std::string>("resourceType") == "Consent");
    CHECK(consent->getValue<std::string>("status") == "inactive");

    // What the parents may know of: each sees the ROIs about their child; the attorney sees none of them.
    CHECK(ids(mary.cli.json({"roi", "list", c.case_id})).size() == 3);
    CHECK(ids(alan.cli.json({"roi", "list", c.case_id})).empty());
    CHECK(alan.cli.run({"roi", "show", outbound}).exit_code == 4);
}

TEST_CASE(
    "a clarification letter goes from its author to the clinician and, once released, only to the child's "
    "therapist, through the CLI",
    "[integration][consent][cli]") {
    Clinic c;
    Person mary = c.join("parent", "Mary Rivera", "mary@example.org");
    Person frank = c.join("parent", "Frank Rivera", "frank@example.org");
    Person sam = c.join("child", "Sam Rivera", "sam@example.org", {"--dob", "2016-04-01"});
    Person lee = c.join("child-therapist", "Dr. Lee", "lee@example.org");
    Person alan = c.join("attorney", "Alan Law", "alan@example.org", {"--represents", frank.party});
    ok(c.clinician.run({"party", "treats", lee.party, "--child", sam.party}));

    const std::string doc = c.upload(frank.cli, "clarification-letter", "DEAR-SAM");
    const std::string letter =
        field(frank.cli.json({"letter", "create", c.case_id, "--document", doc, "--child", sam.party}), "id");
    ok(frank.cli.run({"letter", "submit", letter}));
    CHECK_FALSE(has(ids(lee.cli.json({"doc", "list", c.case_id})), doc));
    ok(c.clinician.run(
        {"letter", "request-revisions", letter, "--note", "Please take out the part about court."}));
    CHECK(field(frank.cli.json({"letter", "list", c.case_id}).extract<Poco::JSON::Array::Ptr>()->get(0),
                "state") == "revisions-requested");
    ok(frank.cli.run({"letter", "submit", letter}));
    CHECK(frank.cli.run({"letter", "approve", letter}).exit_code == 4); // only the clinician approves
    ok(c.clinician.run({"letter", "approve", letter}));
    CHECK_FALSE(has(ids(lee.cli.json({"doc", "list", c.case_id})), doc));
    ok(c.clinician.run({"letter", "release", letter, "--to", lee.party}));
    CHECK(has(ids(lee.cli.json({"doc", "list", c.case_id})), doc));
    CHECK_FALSE(has(ids(mary.cli.json({"doc", "list", c.case_id})), doc));
    CHECK_FALSE(has(ids(alan.cli.json({"doc", "list", c.case_id})), doc));
    const ProcessResult why = ok(c.clinician.run({"access", "explain", doc, "--as", mary.party}));
    CHECK_THAT(why.out, Catch::Contains("deny"));
}

TEST_CASE("an e-signed ROI takes effect through the same path as a signed paper ROI",
          "[integration][consent][cli]") {
    Clinic c;
    Person mary = c.join("parent", "Mary Rivera", "mary@example.org");
    Person frank = c.join("parent", "Frank Rivera", "frank@example.org");
    Person sam = c.join("child", "Sam Rivera", "sam@example.org", {"--dob", "2016-04-01"});
    Person lee = c.join("child-therapist", "Dr. Lee", "lee@example.org");
    const CliUser& clin = c.clinician;
    ok(clin.run({"party", "treats", lee.party, "--child", sam.party}));
    const std::string order_doc = c.upload(clin, "court-order", "ORDER");
    const std::string order =
        field(clin.json({"order", "add", c.case_id, "--document", order_doc, "--court", "Superior Court",
                         "--case-number", "FL-7", "--issued", "2025-05-20", "--term",
                         "custody joint Mary Rivera, Frank Rivera"}),
              "id");
    ok(clin.run({"order", "verify", order}));
    // A draft missing an element is named as defective, completed in place, then complete.
    const std::string draft_doc = c.upload(clin, "roi", "ROI-DRAFT");
    const std::string draft = field(
        clin.json({"roi", "create", c.case_id, "--document", draft_doc, "--subject", sam.party, "--recipient",
                   lee.party, "--type", "report", "--description", "reports", "--purpose",
                   "coordination-of-care", "--expires", "2030-01-01", "--statements", "all"}),
        "id");
    const ProcessResult v = clin.run({"roi", "validate", draft});
    CHECK(v.exit_code == 5);
    CHECK_THAT(v.out, Catch::Contains("template_version"));
    ok(clin.run({"roi", "update", draft, "--template-version", "roi-2025.1"}));
    CHECK(clin.run({"roi", "validate", draft}).exit_code == 0);

    const std::string roi =
        c.roi(sam.party, "therapist-of:" + sam.party, "both", "coordination-of-care", "ROI-E");
    const std::string roi_doc = field(clin.json({"roi", "show", roi}), "document_id");

    const auto env =
        clin.json({"envelope", "create", c.case_id, "--document", roi_doc, "--roi", roi, "--signer",
                   "mother=" + mary.party + ",capacity=parent_legal_custody,authority=" + order, "--send"});
    const std::string envelope = field(env, "id");
    CHECK(field(clin.json({"roi", "show", roi}), "state") == "draft");
    CHECK(clin.run({"readiness", c.case_id}).exit_code == 6);

    ok(mary.cli.run({"envelope", "sign", envelope, "--accept-disclosure", "--intent", "--typed-signature",
                     "Mary Rivera"}));
    const auto shown = clin.json({"roi", "show", roi}).extract<Poco::JSON::Object::Ptr>();
    CHECK(shown->getValue<std::string>("state") == "active");
    const auto sigs = shown->getArray("signatures");
    REQUIRE(sigs->size() == 1);
    CHECK(sigs->getObject(0)->getValue<std::string>("signer") == mary.party);
    CHECK(sigs->getObject(0)->getValue<std::string>("evidence") == envelope);
    CHECK(clin.run({"readiness", c.case_id}).exit_code == 0);
}
