#include "services/signing/templates.h"

#include "common/file.h"

#include <filesystem>

namespace kinvault::services {

Templates::Templates(std::string directory) : m_directory(std::move(directory)) {}

Result<std::vector<TemplateInfo>> Templates::all() const {
    auto templates = KV_TRY_VALUE(pdf::load_template_dir(m_directory));
    std::vector<TemplateInfo> out;
    out.reserve(templates.size());
    for (auto& t : templates) {
        // load_template_file insists the file is named after the template, so the name gives the file.
        std::string file = t.name + std::string(pdf::template_extension);
        out.push_back({std::move(t), std::move(file)});
    }
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

Result<std::string> Templates::source(const TemplateInfo& info) const {
    return read_text_file((std::filesystem::path(m_directory) / info.file).string(), pdf::max_template_bytes);
}

} // namespace kinvault::services
