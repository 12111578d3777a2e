// Templates through the daemon (issue 4 item 1): `kinvault template list|show` show the practice's four
// templates, and names outside Latin-1 and with apostrophes and hyphens come out right in the rendered and
// signed documents, as pdftotext reads them.
#include "test_signing_support.h"

using namespace kvsign;

namespace {

const char* const k_anh = "Nguyễn Thị Ánh";
const char* const k_zoe = "Zoë O'Brien-Núñez";

} // namespace

TEST_CASE("kinvault template list and show present the practice's four templates", "[integration][signing]") {
    World w;
    SECTION("the list names all four with their signer slots") {
        const auto r = w.clinician_cli.run({"template", "list"});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        for (const std::string name :
             {"reunification-agreement", "roi", "clarification-letter-cover", "certificate-of-completion"}) {
            CHECK(has(r.out, name));
        }
        CHECK(has(r.out, "parent_a,parent_b,clinician"));
    }
    SECTION("--json lists exactly four") {
        const auto r = w.clinician_cli.run({"--json", "template", "list"});
        REQUIRE(r.exit_code == 0);
        CHECK(parse_array(r.out)->size() == 4);
    }
    SECTION("show gives the ROI's fields, including every element an ROI must carry") {
        const auto r = w.clinician_cli.run({"template", "show", "roi"});
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        for (const std::string field : {"subject.name", "recipients", "information.description",
                                        "roi.purpose", "roi.expiry_date", "revocation.how", "signers"}) {
            CHECK(has(r.out, field));
        }
    }
    SECTION("show of an unknown template exits 4") {
        const auto r = w.clinician_cli.run({"template", "show", "no-such-template"});
        CHECK(r.exit_code == 4);
    }
}

TEST_CASE("Names with diacritics, apostrophes and hyphens come out right in an envelope's document",
          "[integration][signing]") {
    World w;
    const Signer anh = w.join("parent", k_anh, "anh.nguyen@example.org");
    const Signer zoe = w.join("parent", k_zoe, "zoe.obrien@example.org");
    std::vector<std::string> args{"--json",     "envelope",
                                  "create",     w.case_id,
                                  "--template", "reunification-agreement",
                                  "--signer",   "parent_a=" + anh.party_id,
                                  "--signer",   "parent_b=" + zoe.party_id,
                                  "--signer",   "clinician=" + w.clinician_party + ",group=2",
                                  "--send"};
    for (const std::string v :
         {"practice.address=12 Harbor Way, Oakland, CA 94607", "clinician.license=LMFT 123456 (California)",
          "children[0].name=Minh Ánh Nguyễn-O'Brien", "children[0].birth_date=2014-09-30",
          "court.name=Superior Court of California, County of Alameda", "court.case_number=FL-2026-0142",
          "court.order_title=Findings and Order After Hearing", "court.order_date=2026-03-02",
          "process.mode=open", "reports.recipients=the court and counsel of record",
          "fees.session=$250 per session", "fees.other=none", "fees.split=50% each",
          "fees.payment_terms=at each session", "cancellation.notice=48 hours", "cancellation.fee=$250"}) {
        args.push_back("--value");
        args.push_back(v);
    }
    const auto created = w.clinician_cli.run(args);
    INFO(created.out << created.err);
    REQUIRE(created.exit_code == 0);
    const std::string id = str(parse_object(created.out), "id");

    SECTION("the rendered agreement shows each name exactly as typed") {
        const std::string path = w.path("agreement.pdf");
        kvtest::write_file(path, view(anh.api, id).pdf);
        const std::string text = squeeze(pdftotext(path));
        INFO(text);
        CHECK(has(text, k_anh));
        CHECK(has(text, k_zoe));
        CHECK(has(text, "Minh Ánh Nguyễn-O'Brien"));
        CHECK(has(text, std::string(k_anh) + " (anh.nguyen@example.org), parent"));
        CHECK(has(text, "open process"));
    }
    SECTION("the envelope status and the CLI table carry the names unchanged") {
        const auto e = envelope(w.clinician, id);
        CHECK(str(signer_entry(e, "parent_a"), "name") == k_anh);
        CHECK(str(signer_entry(e, "parent_b"), "name") == k_zoe);
        const auto table = w.clinician_cli.run({"envelope", "status", id});
        CHECK(has(table.out, k_anh));
        CHECK(has(table.out, k_zoe));
    }
    SECTION("after both parents sign, their signature marks and initials read back the same names") {
        sign_over_api(anh, id);
        sign_over_api(zoe, id);
        const std::string path = w.path("signed.pdf");
        kvtest::write_file(path, view(w.clinician, id).pdf);
        const std::string pdf = kvtest::read_file(path);
        REQUIRE(cut_signatures(pdf).size() == 2);
        const std::string text = squeeze(text_with_appearances(path, w.dir.path()));
        INFO(text);
        // Once in the page text, once more in the signer's own visible signature.
        CHECK(occurrences(text, k_anh) >= 2);
        CHECK(occurrences(text, k_zoe) >= 2);
        CHECK(has(text, "NTÁ")); // initials stamped from the adopted signature "Nguyễn Thị Ánh"
        CHECK(has(text, "ZO"));
        const std::string sig = pdfsig(path);
        INFO(sig);
        CHECK(occurrences(sig, "Signature is Valid.") == 2);
        CHECK(has(sig, std::string("Signer Certificate Common Name: ") + k_anh));
        CHECK(has(sig, std::string("Signer Certificate Common Name: ") + k_zoe));
    }
}
