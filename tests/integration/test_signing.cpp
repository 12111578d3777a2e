// Issue 4 end to end through the real kinvaultd: a reunification agreement (two parents in routing group 1
// who sign at the same moment, the clinician in group 2) and a joint-custody ROI are signed, and the executed
// PDFs are checked with tools we did not write (pdfsig, openssl cms, qpdf) and with `kinvault verify`; the
// certificate of completion is read back with pdftotext and its practice seal checked the same way.
#include "test_signing_support.h"

#include <latch>
#include <thread>

using namespace kvsign;

namespace {

const std::vector<std::string> k_agreement_values{
    "--value", "practice.address=12 Harbor Way, Oakland, CA 94607",
    "--value", "clinician.license=LMFT 123456 (California)",
    "--value", "children[0].name=Ada Okafor",
    "--value", "children[0].birth_date=2015-04-02",
    "--value", "court.name=Superior Court of California, County of Alameda",
    "--value", "court.case_number=FL-2026-0142",
    "--value", "court.order_title=Findings and Order After Hearing",
    "--value", "court.order_date=2026-03-02",
    "--value", "process.mode=closed",
    "--value", "reports.recipients=attendance and payment only",
    "--value", "fees.session=$250 per 50-minute session",
    "--value", "fees.other=$200 per hour for reports",
    "--value", "fees.split=50% each",
    "--value", "fees.payment_terms=at each session",
    "--value", "cancellation.notice=48 hours",
    "--value", "cancellation.fee=$250",
};

struct SignOutcome {
    kvtest::Response response;
    std::string exception;
};

// The agreement, executed once per test process: created and sent with the CLI, both parents review and
// consent, then press "sign" together (a latch releases both requests at once), then the clinician signs
// with the CLI and downloads the executed copy.
struct ExecutedAgreement {
    World w;
    Signer mother = w.join("parent", "Maya Okafor", "maya.okafor@example.org");
    Signer father = w.join("parent", "Daniel Lindqvist", "daniel.lindqvist@example.org");
    std::string id;
    std::string clinician_state_after_send;
    std::string clinician_state_after_parents;
    std::array<SignOutcome, 2> parents;
    kvtest::ProcessResult clinician_signed;
    Poco::JSON::Object::Ptr final_status;
    std::string pdf_path = w.path("agreement-executed.pdf");
    std::string pdf;
    std::string certificate_path = w.path("certificate.pdf");
    kvtest::ProcessResult certificate_download;

    ExecutedAgreement() {
        std::vector<std::string> args{"--json",  "envelope",   "create",
                                      w.case_id, "--template", "reunification-agreement"};
        args.insert(args.end(), k_agreement_values.begin(), k_agreement_values.end());
        for (const std::string& s :
             {"parent_a=" + mother.party_id + ",group=1", "parent_b=" + father.party_id + ",group=1",
              "clinician=" + w.clinician_party + ",group=2"}) {
            args.push_back("--signer");
            args.push_back(s);
        }
        args.push_back("--send");
        const auto created = w.clinician_cli.run(args);
        INFO(created.out << created.err);
        REQUIRE(created.exit_code == 0);
        const auto sent = parse_object(created.out);
        id = str(sent, "id");
        REQUIRE(str(sent, "state") == "sent");
        clinician_state_after_send = str(signer_entry(sent, "clinician"), "state");

        const Viewed va = view(mother.api, id);
        const Viewed vb = view(father.api, id);
        REQUIRE(va.status == 200);
        REQUIRE(vb.status == 200);
        REQUIRE(consent(mother.api, id).status == 204);
        REQUIRE(consent(father.api, id).status == 204);
        std::latch go(2);
        auto press_sign = [&](const Signer& s, const Viewed& v, SignOutcome& out) {
            try {
                const auto body = sign_body(v.sha256, s.password, s.name);
                go.arrive_and_wait();
                out.response = sign(s.api, id, body);
            } catch (const std::exception& e) {
                out.exception = e.what();
            }
        };
        std::thread a(press_sign, std::cref(mother), std::cref(va), std::ref(parents[0]));
        std::thread b(press_sign, std::cref(father), std::cref(vb), std::ref(parents[1]));
        a.join();
        b.join();
        clinician_state_after_parents = str(signer_entry(envelope(w.clinician, id), "clinician"), "state");

        Signer clinician{"Dana Clinician",
                         kvtest::k_clinician_email,
                         kvtest::k_clinician_password,
                         w.clinician_party,
                         w.clinician,
                         w.clinician_cli};
        clinician_signed = sign_with_cli(clinician, id);
        final_status = envelope(w.clinician, id);
        const auto got = w.clinician_cli.run({"envelope", "download", id, "-o", pdf_path});
        INFO(got.out << got.err);
        REQUIRE(got.exit_code == 0);
        pdf = kvtest::read_file(pdf_path);
        certificate_download =
            w.clinician_cli.run({"envelope", "download", id, "--certificate", "-o", certificate_path});
    }
};

const ExecutedAgreement& agreement() {
    static ExecutedAgreement instance;
    return instance;
}

// The ROI, executed once per test process: both parents sign for their child, each as a parent with legal
// custody relying on the custody order.
constexpr const char* k_authority = "Joint legal custody, Order of 2026-03-02, Case FL-2026-0142";

struct ExecutedRoi {
    World w;
    Signer mother = w.join("parent", "Maya Okafor", "maya.okafor@example.org");
    Signer father = w.join("parent", "Daniel Lindqvist", "daniel.lindqvist@example.org");
    std::string id;
    Poco::JSON::Object::Ptr final_status;
    std::string pdf_path = w.path("roi-executed.pdf");
    std::string pdf;

    ExecutedRoi() {
        Poco::JSON::Object::Ptr fields = new Poco::JSON::Object();
        const std::vector<std::pair<std::string, std::string>> values{
            {"practice.address", "12 Harbor Way, Oakland, CA 94607"},
            {"practice.contact", "records@harbor.example.org"},
            {"subject.name", "Ada Okafor"},
            {"subject.birth_date", "2015-04-02"},
            {"information.description", "Attendance and progress in reunification therapy"},
            {"information.categories", "attendance records, progress summaries"},
            {"information.date_from", "2026-01-01"},
            {"information.date_to", "2026-12-31"},
            {"roi.purpose", "Coordination of care with the child's individual therapist"},
            {"roi.direction", "both"},
            {"roi.expiry_date", "2027-06-30"},
            {"revocation.how", "in writing to the practice address above or through the Kinvault portal"}};
        for (const auto& [k, v] : values) {
            fields->set(k, v);
        }
        Poco::JSON::Object::Ptr recipient = new Poco::JSON::Object();
        recipient->set("name", "Dr Priya Raman");
        recipient->set("role", "child's individual therapist");
        Poco::JSON::Array::Ptr recipients = new Poco::JSON::Array();
        recipients->add(recipient);
        Poco::JSON::Object::Ptr lists = new Poco::JSON::Object();
        lists->set("recipients", recipients);
        Poco::JSON::Object::Ptr vals = new Poco::JSON::Object();
        vals->set("fields", fields);
        vals->set("lists", lists);
        Poco::JSON::Object::Ptr body = new Poco::JSON::Object();
        body->set("template", "roi");
        body->set("values", vals);
        body->set("signers",
                  signer_specs({{"parent_a", mother.party_id, 1, "parent_legal_custody", k_authority},
                                {"parent_b", father.party_id, 1, "parent_legal_custody", k_authority}}));
        const auto created = w.clinician.post_json("/api/v1/cases/" + w.case_id + "/envelopes", body);
        INFO(created.body);
        REQUIRE(created.status == 201);
        id = str(created.json(), "id");
        REQUIRE(w.clinician.request("POST", "/api/v1/envelopes/" + id + "/send").status == 200);
        sign_over_api(mother, id);
        const auto r = sign_with_cli(father, id);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        final_status = envelope(w.clinician, id);
        const auto got = w.clinician_cli.run({"envelope", "download", id, "-o", pdf_path});
        INFO(got.out << got.err);
        REQUIRE(got.exit_code == 0);
        pdf = kvtest::read_file(pdf_path);
    }
};

const ExecutedRoi& roi() {
    static ExecutedRoi instance;
    return instance;
}

// ---- the checks both executed documents go through

void pdfsig_accepts_all(const std::string& path, std::size_t expected) {
    const std::string out = pdfsig(path);
    INFO(out);
    const auto blocks = pdfsig_blocks(out);
    REQUIRE(blocks.size() == expected);
    for (const auto& b : blocks) {
        CHECK(has(b, "Signature Validation: Signature is Valid."));
        CHECK(has(b, "Signature Type: ETSI.CAdES.detached"));
    }
    // Each signer's update leaves the earlier signatures partial; the final practice seal covers the file.
    CHECK(occurrences(out, "Total document signed") == 1);
    CHECK(has(blocks.back(), "Total document signed"));
}

void openssl_accepts_all(const std::string& pdf, std::size_t expected, const std::string& root,
                         const std::string& scratch) {
    const auto sigs = cut_signatures(pdf);
    REQUIRE(sigs.size() == expected);
    for (std::size_t i = 0; i < sigs.size(); ++i) {
        const auto r = openssl_verify(sigs[i], root, scratch);
        INFO("signature " << i + 1 << ": " << r.out);
        CHECK(r.exit_code == 0);
        CHECK(has(r.out, "CAdES Verification successful"));
    }
}

void qpdf_finds_no_errors(const std::string& path) {
    const auto r = qpdf_check(path);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, "No syntax or stream encoding errors found"));
}

void kinvault_verify_lists(const World& w, const std::string& path, const std::vector<std::string>& signers,
                           std::size_t expected) {
    const auto r = w.clinician_cli.run({"verify", path, "--ca", w.root_ca()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, std::to_string(expected) + (expected == 1 ? " signature\n" : " signatures\n")));
    CHECK(occurrences(r.out, "Result:     VALID") == static_cast<int>(expected));
    CHECK(has(r.out, "Overall: OK"));
    for (const auto& name : signers) {
        CHECK(has(r.out, "Signer:     " + name));
    }
}

void tampering_fails_everywhere(const World& w, const std::string& pdf, std::size_t expected) {
    const std::string path = w.path("tampered.pdf");
    kvtest::write_file(path, tamper_first_revision(pdf));
    const std::string out = pdfsig(path);
    INFO(out);
    CHECK(occurrences(out, "Signature is Valid.") == 0);
    CHECK(occurrences(out, "Digest Mismatch.") == static_cast<int>(expected));
    const auto sigs = cut_signatures(kvtest::read_file(path));
    REQUIRE(sigs.size() == expected);
    for (const auto& s : sigs) {
        const auto r = openssl_verify(s, w.root_ca(), w.dir.path());
        INFO(r.out);
        CHECK(r.exit_code != 0);
        CHECK_FALSE(has(r.out, "Verification successful"));
    }
    const auto ours = w.clinician_cli.run({"verify", path, "--ca", w.root_ca()});
    INFO(ours.out << ours.err);
    CHECK(ours.exit_code == 5);
    CHECK(occurrences(ours.out, "Result:     INVALID") == static_cast<int>(expected));
}

} // namespace

TEST_CASE("A two-parent and clinician agreement signed through the daemon holds up in tools we did not write",
          "[integration][signing]") {
    const auto& x = agreement();
    const std::vector<std::string> names{"Maya Okafor", "Daniel Lindqvist", "Dana Clinician",
                                         "Harbor Family Practice document seal"};
    SECTION("both parents of group 1 pressing sign at the same moment each get their signature") {
        for (const auto& p : x.parents) {
            INFO(p.exception << p.response.body);
            CHECK(p.exception.empty());
            CHECK(p.response.status == 200);
        }
        const auto v0 = x.parents[0].response.json()->getValue<int>("current_version");
        const auto v1 = x.parents[1].response.json()->getValue<int>("current_version");
        CHECK(v0 != v1); // serialised: one signature went on top of the other
    }
    SECTION("the clinician in group 2 is asked only once group 1 has signed") {
        CHECK(x.clinician_state_after_send == "waiting");
        CHECK(x.clinician_state_after_parents == "notified");
        INFO(x.clinician_signed.out << x.clinician_signed.err);
        CHECK(x.clinician_signed.exit_code == 0);
    }
    SECTION("the envelope is completed with every signer signed and the hashes recorded") {
        CHECK(str(x.final_status, "state") == "completed");
        for (const std::string slot : {"parent_a", "parent_b", "clinician"}) {
            CHECK(str(signer_entry(x.final_status, slot), "state") == "signed");
        }
        CHECK(str(x.final_status, "sha256_sealed") == sha256_hex(x.pdf));
        CHECK(str(x.final_status, "sha256_before") != str(x.final_status, "sha256_after"));
    }
    SECTION("pdfsig reports every signature valid and only the last one covering the total document") {
        pdfsig_accepts_all(x.pdf_path, 4);
        const auto blocks = pdfsig_blocks(pdfsig(x.pdf_path));
        REQUIRE(blocks.size() == 4);
        // The parents of group 1 sign in whichever order the server serialised them.
        const auto cn = [](const std::string& name) { return "Signer Certificate Common Name: " + name; };
        CHECK(has(blocks[0] + blocks[1], cn("Maya Okafor")));
        CHECK(has(blocks[0] + blocks[1], cn("Daniel Lindqvist")));
        CHECK(has(blocks[2], cn("Dana Clinician")));
        CHECK(has(blocks[3], cn("Harbor Family Practice document seal")));
    }
    SECTION("openssl cms validates each signature and its chain to the practice root") {
        openssl_accepts_all(x.pdf, 4, x.w.root_ca(), x.w.dir.path());
    }
    SECTION("qpdf --check finds no errors") {
        qpdf_finds_no_errors(x.pdf_path);
    }
    SECTION("kinvault verify exits 0 and lists every signer") {
        kinvault_verify_lists(x.w, x.pdf_path, names, 4);
    }
    SECTION("one changed byte in the signed first revision fails pdfsig, openssl and kinvault verify") {
        tampering_fails_everywhere(x.w, x.pdf, 4);
    }
}

TEST_CASE("A joint-custody ROI signed by both parents as parents with legal custody holds up in tools we did "
          "not write",
          "[integration][signing]") {
    const auto& x = roi();
    const std::vector<std::string> names{"Maya Okafor", "Daniel Lindqvist",
                                         "Harbor Family Practice document seal"};
    SECTION("the envelope is completed and records each parent's capacity and authority") {
        CHECK(str(x.final_status, "state") == "completed");
        CHECK(str(x.final_status, "purpose") == "roi");
        for (const std::string slot : {"parent_a", "parent_b"}) {
            const auto s = signer_entry(x.final_status, slot);
            CHECK(str(s, "state") == "signed");
            CHECK(str(s, "capacity") == "parent_legal_custody");
            CHECK(str(s, "authority") == k_authority);
        }
    }
    SECTION("the executed ROI names the capacity and the authority each parent signed in") {
        const std::string text = squeeze(pdftotext(x.pdf_path));
        INFO(text);
        CHECK(occurrences(text, "Signing as a parent with legal custody of Ada Okafor") == 2);
        CHECK(occurrences(text, std::string("Authority: ") + k_authority) == 2);
    }
    SECTION("each signature's visible mark names the signer and the capacity") {
        const std::string text = squeeze(text_with_appearances(x.pdf_path, x.w.dir.path()));
        INFO(text);
        CHECK(has(text, "Maya Okafor"));
        CHECK(has(text, "Daniel Lindqvist"));
        CHECK(occurrences(text, "parent with legal custody") >= 2);
        for (const std::string slot : {"parent_a", "parent_b"}) {
            CHECK(has(text, str(signer_entry(x.final_status, slot), "signature_id")));
        }
    }
    SECTION("pdfsig reports every signature valid and only the last one covering the total document") {
        pdfsig_accepts_all(x.pdf_path, 3);
    }
    SECTION("openssl cms validates each signature and its chain to the practice root") {
        openssl_accepts_all(x.pdf, 3, x.w.root_ca(), x.w.dir.path());
    }
    SECTION("qpdf --check finds no errors") {
        qpdf_finds_no_errors(x.pdf_path);
    }
    SECTION("kinvault verify exits 0 and lists every signer") {
        kinvault_verify_lists(x.w, x.pdf_path, names, 3);
    }
    SECTION("one changed byte in the signed first revision fails pdfsig, openssl and kinvault verify") {
        tampering_fails_everywhere(x.w, x.pdf, 3);
    }
}

TEST_CASE("The certificate of completion carries the envelope's evidence and a valid practice seal",
          "[integration][signing]") {
    const auto& x = agreement();
    INFO(x.certificate_download.out << x.certificate_download.err);
    REQUIRE(x.certificate_download.exit_code == 0);
    const std::string text = squeeze(pdftotext(x.certificate_path));
    const std::string compact = [&] {
        std::string t = text;
        t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
        return t;
    }();
    INFO(text);
    SECTION("it names the envelope and both SHA-256 values of the document") {
        CHECK(has(text, x.id));
        CHECK(has(compact, str(x.final_status, "sha256_before")));
        CHECK(has(compact, str(x.final_status, "sha256_after")));
    }
    SECTION("it lists every signer's name, e-mail, role, capacity, authentication and client address") {
        const std::vector<std::array<std::string, 4>> people{
            {"Maya Okafor", "maya.okafor@example.org", "parent", "for themself"},
            {"Daniel Lindqvist", "daniel.lindqvist@example.org", "parent", "for themself"},
            {"Dana Clinician", kvtest::k_clinician_email, "clinician", "clinician"}};
        for (const auto& p : people) {
            CHECK(has(text, p[0]));
            CHECK(has(text, p[1]));
            CHECK(has(text, "Role and capacity: " + p[2] + "; " + p[3]));
        }
        CHECK(occurrences(text, "Authentication: password") == 3);
        CHECK(occurrences(text, "Client address: 127.0.0.1") == 3);
    }
    SECTION("it gives every signer's consented, viewed and signed times and signature id") {
        for (const std::string slot : {"parent_a", "parent_b", "clinician"}) {
            const auto s = signer_entry(x.final_status, slot);
            for (const std::string key : {"consented_at", "viewed_at", "signed_at", "signature_id"}) {
                INFO(slot << " " << key);
                REQUIRE_FALSE(str(s, key).empty());
                CHECK(has(text, str(s, key)));
            }
        }
    }
    SECTION("its practice seal is valid for pdfsig and openssl, and covers the whole certificate") {
        pdfsig_accepts_all(x.certificate_path, 1);
        openssl_accepts_all(kvtest::read_file(x.certificate_path), 1, x.w.root_ca(), x.w.dir.path());
        kinvault_verify_lists(x.w, x.certificate_path, {"Harbor Family Practice document seal"}, 1);
    }
}
