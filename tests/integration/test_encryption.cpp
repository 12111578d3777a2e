// Encryption at rest (issue 2 item 4, security.md "Key hierarchy"): no plaintext byte, title or file name
// of a document reaches the disk, and a stored blob that was altered in any way is refused with an
// integrity error while the daemon keeps serving everything else.
#include "integration_util.h"

#include <filesystem>

using namespace kvtest;

namespace {

// Blob layout from daemon/crypto/blob_cipher.h: "KVB1", a 24-byte secretstream header, then chunks of
// 64 KiB of ciphertext plus 17 bytes (libsodium's crypto_secretstream_xchacha20poly1305_ABYTES).
constexpr std::size_t k_blob_header = 4 + 24;
constexpr std::size_t k_plain_chunk = 64 * 1024;
constexpr std::size_t k_cipher_chunk = k_plain_chunk + 17;

// Every file under `dir` that contains `needle`.
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
    std::vector<std::string> out;
    for (const auto& f : files_under(dir)) {
        if (read_file(f).find(needle) != std::string::npos) {
            out.push_back(f);
        }
    }
    return out;
}

std::string new_blob(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    std::vector<std::string> added;
    for (const auto& f : after) {
        if (!contains(before, f)) {
            added.push_back(f);
        }
    }
    REQUIRE(added.size() == 1);
    return added.front();
}

} // namespace

TEST_CASE("no plaintext byte, title or file name of a document is written to disk",
          "[integration][encryption]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Okafor family");

    SECTION("a small PDF's text marker, title and file name are found in no file, running or stopped") {
        const std::string marker = "PLAINTEXT-MARKER-5e1f0a77c2";
        const std::string title = "Title-Unique-9b2d4e61 Okafor visitation";
        const std::string filename = "filename-unique-3c8a7f02.pdf";
        const std::string pdf = make_pdf(marker, 2);
        REQUIRE(pdf.find(marker) != std::string::npos);
        const Response up = upload_document(clinician, case_id, "report", pdf, title, filename);
        INFO(up.body);
        REQUIRE(up.status == 201);
        // The upload really stored these (so a clean disk is not an accident of a failed upload).
        const Response meta = clinician.get("/api/v1/documents/" + up.json()->getValue<std::string>("id"));
        CHECK(field(meta.json(), "title") == title);
        CHECK(field(meta.json(), "filename") == filename);
        REQUIRE_FALSE(files_under(daemon.data_dir()).empty());

        for (const std::string& needle : {marker, title, filename}) {
            INFO("searching the running vault for " << needle);
            CHECK(files_containing(daemon.dir(), needle).empty());
        }
        (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
        for (const std::string& needle : {marker, title, filename}) {
            INFO("searching the stopped vault for " << needle);
            CHECK(files_containing(daemon.dir(), needle).empty());
        }
    }

    SECTION("a marker straddling a 64 KiB chunk boundary of a PDF over 1 MiB is found in no file") {
        const std::string marker = "CHUNK-BOUNDARY-MARKER-71d0e4";
        const std::size_t offset = 16 * k_plain_chunk - marker.size() / 2;
        const std::string pdf = make_pdf_with_marker_at(marker, offset, (1u << 20) + 300'000);
        REQUIRE(pdf.size() > (1u << 20));
        const Response up = upload_document(clinician, case_id, "report", pdf, "Large report");
        INFO(up.body);
        REQUIRE(up.status == 201);
        CHECK(
            clinician.get("/api/v1/documents/" + up.json()->getValue<std::string>("id") + "/content").body ==
            pdf);
        CHECK(files_containing(daemon.dir(), marker).empty());
        // Neither half of the marker may appear either: a chunk-wise leak would show one of them.
        CHECK(files_containing(daemon.data_dir(), marker.substr(0, marker.size() / 2)).empty());
        CHECK(files_containing(daemon.data_dir(), marker.substr(marker.size() / 2)).empty());
        (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
        CHECK(files_containing(daemon.dir(), marker).empty());
    }
}

TEST_CASE("a stored blob that was altered is refused with an integrity error and nothing is served",
          "[integration][encryption][tamper]") {
    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string case_id = create_case(clinician, "Lindqvist family");

    // Two documents of equal size (so their blobs are interchangeable in length), each five chunks long.
    const std::string marker_a = "TAMPER-TARGET-A-40c1";
    const std::string marker_b = "TAMPER-BYSTANDR-B-8e";
    const std::string pdf_a = make_pdf_with_marker_at(marker_a, 100'000, 4 * k_plain_chunk + 20'000);
    std::string pdf_b = make_pdf_with_marker_at(marker_b, 100'000, 4 * k_plain_chunk + 20'000);
    REQUIRE(pdf_a.size() == pdf_b.size());

    const auto before_a = blob_files(daemon.data_dir());
    const Response up_a = upload_document(clinician, case_id, "report", pdf_a, "Target");
    REQUIRE(up_a.status == 201);
    const std::string blob_a = new_blob(before_a, blob_files(daemon.data_dir()));
    const auto before_b = blob_files(daemon.data_dir());
    const Response up_b = upload_document(clinician, case_id, "report", pdf_b, "Bystander");
    REQUIRE(up_b.status == 201);
    const std::string blob_b = new_blob(before_b, blob_files(daemon.data_dir()));
    const std::string doc_a = up_a.json()->getValue<std::string>("id");
    const std::string doc_b = up_b.json()->getValue<std::string>("id");

    const std::string original = read_file(blob_a);
    const std::size_t chunks = pdf_a.size() / k_plain_chunk + 1;
    REQUIRE(original.size() == k_blob_header + pdf_a.size() + chunks * 17);

    (void)daemon.stop(); // its exit status is test_daemon.cpp's concern
    std::string altered = original;
    SECTION("a flipped byte inside a chunk") {
        altered[k_blob_header + 2 * k_cipher_chunk + 1234] ^= 0x01;
    }
    SECTION("a flipped byte in the stream header") {
        altered[10] ^= 0x80;
    }
    SECTION("truncation at a chunk boundary, which drops the final chunk") {
        altered.resize(k_blob_header + (chunks - 1) * k_cipher_chunk);
    }
    SECTION("truncation in the middle of a chunk") {
        altered.resize(k_blob_header + 2 * k_cipher_chunk + 5000);
    }
    SECTION("truncation of the last byte") {
        altered.pop_back();
    }
    SECTION("two chunks swapped") {
        const std::string first = original.substr(k_blob_header, k_cipher_chunk);
        const std::string second = original.substr(k_blob_header + k_cipher_chunk, k_cipher_chunk);
        altered.replace(k_blob_header, k_cipher_chunk, second);
        altered.replace(k_blob_header + k_cipher_chunk, k_cipher_chunk, first);
    }
    SECTION("a chunk dropped from the middle") {
        altered.erase(k_blob_header + k_cipher_chunk, k_cipher_chunk);
    }
    SECTION("bytes appended after the final chunk") {
        altered += std::string(100, 'A');
    }
    SECTION("the final chunk appended a second time") {
        altered += original.substr(original.size() - (pdf_a.size() % k_plain_chunk + 17));
    }
    SECTION("the blob replaced by another document's blob") {
        altered = read_file(blob_b);
        REQUIRE(altered.size() == original.size());
    }
    REQUIRE(altered != original);
    write_file(blob_a, altered);
    daemon.start();
    Client reader(daemon.url(), daemon.ca_path()); // the restarted daemon listens on a new port
    reader.set_token(clinician.token());

    const Response refused = reader.get("/api/v1/documents/" + doc_a + "/content");
    INFO(refused.status << " " << refused.body.substr(0, 300));
    CHECK(refused.status == 500);
    CHECK(refused.error_code() == "integrity_error");
    CHECK(refused.json()->getObject("error")->getValue<std::string>("message").find("integrity") !=
          std::string::npos);
    CHECK(refused.body.find("%PDF") == std::string::npos);
    CHECK(refused.body.find(marker_a) == std::string::npos);
    CHECK(refused.body.find(marker_b) == std::string::npos);
    CHECK(refused.headers.count("X-Kinvault-SHA256") == 0);

    const Response bystander = reader.get("/api/v1/documents/" + doc_b + "/content");
    CHECK(bystander.status == 200);
    CHECK(bystander.body == pdf_b);
    CHECK(reader.get("/api/v1/health").status == 200);
}
