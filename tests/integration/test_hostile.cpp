// Hostile PDFs through a running kinvaultd (issue 2 item 8, security.md "PoDoFo 0.9.8 on hostile input"):
// every entry of the generated corpus gets the refusal it deserves with a message a person understands,
// the daemon keeps serving after each, and nothing of a refused upload remains.
#include "integration_util.h"

#include "hostile_pdfs.h"

#include <filesystem>
#include <sys/stat.h>

using namespace kvtest;
using kinvault::pdf::IntakeRefusal;

namespace {

int expected_status(IntakeRefusal refusal) {
    return refusal == IntakeRefusal::empty || refusal == IntakeRefusal::not_a_pdf ? 415 : 422;
}

std::string expected_code(IntakeRefusal refusal) {
    return refusal == IntakeRefusal::empty || refusal == IntakeRefusal::not_a_pdf ? "unsupported_media_type"
                                                                                  : "unprocessable";
}

std::string as_string(const kinvault::Bytes& b) {
    return std::string(b.begin(), b.end());
}

std::size_t document_count(const Client& clinician, const std::string& case_id) {
    return items_of(clinician.get("/api/v1/cases/" + case_id + "/documents"))->size();
}

// A stand-in for kinvault-pdf-worker that never answers, to drive the daemon's time limits
// deterministically (a real slow PDF would make the test depend on the machine's speed).
std::string write_script(const std::string& dir, const std::string& name, const std::string& body) {
    const std::string path = dir + "/" + name;
    write_file(path, "#!/bin/sh\n" + body + "\n");
    REQUIRE(::chmod(path.c_str(), 0755) == 0);
    return path;
}

} // namespace

TEST_CASE("every hostile PDF is refused with the right status and a readable message while the daemon keeps "
          "serving",
          "[integration][hostile]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Hostile corpus");
    const std::string control = make_pdf("CONTROL-AFTER-HOSTILE", 1);

    std::size_t documents = 0;
    for (const auto& entry : kinvault::test::hostile_corpus()) {
        INFO("corpus entry " << entry.name << ": " << entry.description);
        const Response r = upload_document(clinician, case_id, "other", as_string(entry.bytes), entry.name);
        if (entry.expected_refusal) {
            const IntakeRefusal refusal = *entry.expected_refusal;
            INFO(r.body);
            CHECK(r.status == expected_status(refusal));
            CHECK(r.error_code() == expected_code(refusal));
            CHECK(r.json()->getObject("error")->getValue<std::string>("message") ==
                  std::string(kinvault::pdf::refusal_message(refusal)));
        } else {
            INFO(r.body);
            CHECK(r.status == 201);
            if (r.status == 201) {
                ++documents;
                CHECK(r.json()->getValue<int>("pages") == entry.expected_report.page_count);
            }
        }
        CHECK(clinician.get("/api/v1/health").status == 200);
        const Response valid = upload_document(clinician, case_id, "other", control, "control");
        CHECK(valid.status == 201);
        documents += valid.status == 201 ? 1 : 0;
        // Nothing of the refused upload remains: not in the listing, not as a blob, not as a temporary file.
        CHECK(document_count(clinician, case_id) == documents);
        CHECK(blob_files(daemon.data_dir()).size() == documents);
        CHECK(files_under(daemon.data_dir() + "/blobs/tmp").empty());
    }
}

TEST_CASE("a PDF the worker cannot finish in time is refused as too slow and the daemon keeps serving",
          "[integration][hostile]") {
    TempDir scripts("kvworker");
    DaemonOptions options;

    SECTION("a worker that never answers is stopped by the wall-clock limit") {
        options.env["KINVAULT_PDF_WORKER"] = write_script(scripts.path(), "silent-worker", "exec sleep 600");
        options.env["KINVAULT_PDF_TIMEOUT_SECONDS"] = "1";
    }
    SECTION("a worker that spins is stopped by the CPU limit") {
        options.env["KINVAULT_PDF_WORKER"] =
            write_script(scripts.path(), "spinning-worker", "while :; do :; done");
        options.env["KINVAULT_PDF_CPU_SECONDS"] = "1";
        options.env["KINVAULT_PDF_TIMEOUT_SECONDS"] = "60";
    }
    Daemon daemon(options);
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Slow parsing");

    const Response r = upload_document(clinician, case_id, "other", make_pdf("SLOW", 1), "slow");
    INFO(r.body);
    CHECK(r.status == 422);
    CHECK(r.error_code() == "unprocessable");
    CHECK(r.json()->getObject("error")->getValue<std::string>("message") ==
          std::string(kinvault::pdf::refusal_message(IntakeRefusal::too_slow)));
    CHECK(clinician.get("/api/v1/health").status == 200);
    CHECK(document_count(clinician, case_id) == 0);
    CHECK(blob_files(daemon.data_dir()).empty());
}
