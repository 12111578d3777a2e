// kv_bench_make_pdf: writes the valid PDFs the benchmarks feed to kinvaultd, nginx, pdfsig and @signpdf.
//
//   kv_bench_make_pdf --pages N [--size BYTES] OUT.pdf
//
// N pages of Helvetica text; with --size the file is padded to exactly BYTES with a DeviceRGB image of
// deterministic pseudo-random pixels (incompressible, so no server or TLS layer can shortcut it), drawn small
// on page 1. Classic cross-reference table and no object streams: @signpdf's placeholder code refuses
// cross-reference streams, and every peer must get the same input.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace kinvault::bench {

namespace {

constexpr std::size_t k_image_width = 1024;
constexpr std::size_t k_image_row = k_image_width * 3;

struct Options {
    int pages = 1;
    std::size_t size = 0;
    std::string out;
};

class PdfWriter {
public:
    void begin_object(int number) {
        if (static_cast<std::size_t>(number) >= m_offsets.size()) {
            m_offsets.resize(static_cast<std::size_t>(number) + 1, 0);
        }
        m_offsets[static_cast<std::size_t>(number)] = m_out.size();
        m_out += std::to_string(number) + " 0 obj\n";
    }
    void raw(const std::string& s) { m_out += s; }
    void end_object() { m_out += "endobj\n"; }
    void stream_object(int number, const std::string& dict_entries, const std::string& data) {
        begin_object(number);
        m_out += "<< " + dict_entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n";
        m_out += data;
        m_out += "\nendstream\n";
        end_object();
    }
    std::size_t size() const { return m_out.size(); }

    // PDF 32000-1:2008 section 7.5.4: each xref entry is exactly 20 bytes, so the tail size is known in
    // advance.
    std::size_t tail_size(std::size_t xref_offset) const {
        const std::size_t objects = m_offsets.size();
        const std::string head = "xref\n0 " + std::to_string(objects) + "\n";
        const std::string trailer =
            "trailer\n<< /Size " + std::to_string(objects) + " /Root 1 0 R >>\nstartxref\n";
        return head.size() + 20 * objects + trailer.size() + std::to_string(xref_offset).size() + 7;
    }

    std::string finish() {
        const std::size_t xref_at = m_out.size();
        m_out += "xref\n0 " + std::to_string(m_offsets.size()) + "\n";
        m_out += "0000000000 65535 f\r\n";
        for (std::size_t i = 1; i < m_offsets.size(); ++i) {
            char entry[21];
            std::snprintf(entry, sizeof entry, "%010zu 00000 n\r\n", m_offsets[i]);
            m_out += entry;
        }
        m_out += "trailer\n<< /Size " + std::to_string(m_offsets.size()) + " /Root 1 0 R >>\nstartxref\n";
        m_out += std::to_string(xref_at) + "\n%%EOF\n";
        return std::move(m_out);
    }

private:
    std::string m_out;
    std::vector<std::size_t> m_offsets{0};
};

std::string page_text(int page, int pages) {
    static const char* const lines[] = {
        "The parties agree that reunification therapy proceeds at a pace set by the clinician.",
        "Each parent receives the schedule of sessions and the names of the treating professionals.",
        "Records released under this agreement are limited to the purposes stated in section 4.",
        "Either parent may ask for a clarification letter; the clinician answers within ten days.",
        "Nothing in this document changes an order of the court or the rights it gives a party.",
    };
    std::string s = "BT /F1 14 Tf 72 740 Td (Kinvault benchmark document - page " + std::to_string(page) +
                    " of " + std::to_string(pages) + ") Tj ET\n";
    for (int i = 0; i < 40; ++i) {
        s +=
            "BT /F1 10 Tf 72 " + std::to_string(710 - i * 15) + " Td (" + lines[(page + i) % 5] + ") Tj ET\n";
    }
    return s;
}

int run(const Options& o) {
    // Object numbers: 1 catalog, 2 page tree, 3 font, 4 image, then a page and its content per page.
    const int first_page = 5;
    PdfWriter w;
    w.raw("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
    w.begin_object(1);
    w.raw("<< /Type /Catalog /Pages 2 0 R >>\n");
    w.end_object();
    w.begin_object(2);
    std::string kids;
    for (int p = 0; p < o.pages; ++p) {
        kids += std::to_string(first_page + 2 * p) + " 0 R ";
    }
    w.raw("<< /Type /Pages /Count " + std::to_string(o.pages) + " /Kids [ " + kids + "] >>\n");
    w.end_object();
    w.begin_object(3);
    w.raw("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>\n");
    w.end_object();

    // Build the pages first into a scratch writer to learn how many bytes are left for the image.
    std::vector<std::string> contents;
    for (int p = 0; p < o.pages; ++p) {
        std::string c = page_text(p + 1, o.pages);
        if (p == 0) {
            c += "q 100 0 0 100 440 12 cm /Im1 Do Q\n";
        }
        contents.push_back(std::move(c));
    }
    std::size_t page_bytes = 0;
    {
        PdfWriter probe;
        for (int p = 0; p < o.pages; ++p) {
            probe.begin_object(first_page + 2 * p);
            probe.raw(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
                "/XObject << /Im1 4 0 R >> >> /Contents " +
                std::to_string(first_page + 2 * p + 1) + " 0 R >>\n");
            probe.end_object();
            probe.stream_object(first_page + 2 * p + 1, "", contents[static_cast<std::size_t>(p)]);
        }
        page_bytes = probe.size();
    }
    const std::string image_head_probe =
        "4 0 obj\n<< /Type /XObject /Subtype /Image /Width 1024 /Height 0000000 /ColorSpace /DeviceRGB "
        "/BitsPerComponent 8 /Length 000000000000 >>\nstream\n\nendstream\nendobj\n";
    // The tail grows by one digit per digit of the xref offset: estimate with a 12-digit offset.
    const std::size_t objects = static_cast<std::size_t>(first_page + 2 * o.pages);
    const std::size_t tail_estimate =
        std::string("xref\n0 " + std::to_string(objects) + "\n").size() + 20 * objects +
        std::string("trailer\n<< /Size " + std::to_string(objects) + " /Root 1 0 R >>\nstartxref\n").size() +
        12 + 7;
    const std::size_t fixed = w.size() + image_head_probe.size() + page_bytes + tail_estimate;
    std::size_t rows = 1;
    if (o.size > 0) {
        if (o.size < fixed + k_image_row) {
            std::cerr << "kv_bench_make_pdf: --size " << o.size << " is too small for " << o.pages
                      << " page(s)\n";
            return 2;
        }
        rows = (o.size - fixed) / k_image_row;
    }
    std::string pixels(rows * k_image_row, '\0');
    std::mt19937_64 rng(0x6b696e7661756c74ULL);
    for (std::size_t i = 0; i < pixels.size(); i += 8) {
        const std::uint64_t v = rng();
        for (std::size_t b = 0; b < 8 && i + b < pixels.size(); ++b) {
            pixels[i + b] = static_cast<char>((v >> (8 * b)) & 0xff);
        }
    }
    w.stream_object(4,
                    "/Type /XObject /Subtype /Image /Width " + std::to_string(k_image_width) + " /Height " +
                        std::to_string(rows) + " /ColorSpace /DeviceRGB /BitsPerComponent 8",
                    pixels);
    for (int p = 0; p < o.pages; ++p) {
        w.begin_object(first_page + 2 * p);
        w.raw("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> "
              "/XObject << /Im1 4 0 R >> >> /Contents " +
              std::to_string(first_page + 2 * p + 1) + " 0 R >>\n");
        w.end_object();
        w.stream_object(first_page + 2 * p + 1, "", contents[static_cast<std::size_t>(p)]);
    }
    if (o.size > 0) {
        // Whitespace between objects is allowed anywhere (PDF 32000-1 section 7.2.2): pad to the exact size.
        // The xref offset is where the padding ends, and its digit count is part of the tail.
        std::size_t tail = w.tail_size(o.size);
        tail = w.tail_size(o.size - tail);
        if (w.size() + tail > o.size) {
            std::cerr << "kv_bench_make_pdf: internal size estimate was off by " << w.size() + tail - o.size
                      << " bytes\n";
            return 1;
        }
        const std::size_t pad = o.size - tail - w.size();
        if (pad > 0) {
            std::string filler(pad, ' ');
            filler.back() = '\n';
            if (pad > 1) {
                filler.front() = '%';
            }
            w.raw(filler);
        }
    }
    const std::string pdf = w.finish();
    if (o.size > 0 && pdf.size() != o.size) {
        std::cerr << "kv_bench_make_pdf: made " << pdf.size() << " bytes instead of " << o.size << "\n";
        return 1;
    }
    std::ofstream out(o.out, std::ios::binary | std::ios::trunc);
    out.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    out.close();
    if (!out) {
        std::cerr << "kv_bench_make_pdf: cannot write " << o.out << "\n";
        return 1;
    }
    return 0;
}

} // namespace

} // namespace kinvault::bench

int main(int argc, char** argv) {
    kinvault::bench::Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--pages" && i + 1 < argc) {
            o.pages = std::atoi(argv[++i]);
        } else if (a == "--size" && i + 1 < argc) {
            o.size = std::strtoull(argv[++i], nullptr, 10);
        } else if (!a.empty() && a[0] != '-' && o.out.empty()) {
            o.out = a;
        } else {
            std::cerr << "usage: kv_bench_make_pdf --pages N [--size BYTES] OUT.pdf\n";
            return 2;
        }
    }
    if (o.out.empty() || o.pages < 1 || o.pages > 100000) {
        std::cerr << "usage: kv_bench_make_pdf --pages N [--size BYTES] OUT.pdf\n";
        return 2;
    }
    return kinvault::bench::run(o);
}
