#include "services/signing/templates.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kinvault::services {

Templates::Templates(std::string directory) : m_directory(std::move(directory)) {}

Result<std::vector<TemplateInfo>> Templates::all() const {
    std::vector<TemplateInfo> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_directory, ec)) {
        if (entry.path().extension() != ".kvt") {
            continue;
        }
        auto t = KV_TRY_VALUE(pdf::load_template_file(entry.path()));
        out.push_back({std::move(t), entry.path().filename().string()});
    }
    if (ec) {
        return make_error(Errc::unavailable, "cannot read the templates directory " + m_directory);
    }
    std::sort(out.begin(), out.end(),
              [](const TemplateInfo& a, const TemplateInfo& b) { return a.tmpl.name < b.tmpl.name; });
    return out;
}

Result<TemplateInfo> Templates::named(const std::string& name) const {
    auto all_templates = KV_TRY_VALUE(all());
    for (auto& t : all_templates) {
        if (t.tmpl.name == name) {
            return std::move(t);
        }
    }
    return make_error(Errc::not_found, "No template named '" + name + "'.");
}

std::string Templates::source(const TemplateInfo& info) const {
    std::ifstream in(std::filesystem::path(m_directory) / info.file, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace kinvault::services
