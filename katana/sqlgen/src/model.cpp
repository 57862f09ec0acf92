#include <katana/sqlgen/model.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace katana::sqlgen {

namespace {

class fnv1a {
public:
    void add(std::string_view bytes) noexcept {
        for (const char c : bytes) {
            hash_ ^= static_cast<unsigned char>(c);
            hash_ *= 0x100000001b3ULL;
        }
        // A separator no file name contains, so ("ab","c") and ("a","bc") differ.
        hash_ ^= 0xffU;
        hash_ *= 0x100000001b3ULL;
    }
    [[nodiscard]] std::uint64_t value() const noexcept { return hash_; }

private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

nlohmann::json type_json(const type_ref& t) {
    return {{"name", t.name}, {"array", t.array}, {"enum", t.is_enum}, {"oid", t.oid}};
}

katana::expected<type_ref, std::string> type_from(const nlohmann::json& j) {
    if (!j.is_object()) return katana::unexpected(std::string("type is not an object"));
    type_ref t;
    t.name = j.value("name", std::string());
    t.array = j.value("array", false);
    t.is_enum = j.value("enum", false);
    t.oid = j.value("oid", 0U);
    if (t.name.empty()) return katana::unexpected(std::string("type without a name"));
    return t;
}

} // namespace

std::string input_hash(const std::vector<input_file>& migrations, const std::vector<input_file>& queries) {
    fnv1a h;
    h.add("katana.sql.lock v1");
    h.add("migrations");
    for (const auto& f : migrations) {
        h.add(f.name);
        h.add(f.contents);
    }
    h.add("queries");
    for (const auto& f : queries) {
        h.add(f.name);
        h.add(f.contents);
    }
    return fmt::format("fnv1a64:{:016x}", h.value());
}

std::string write_lock(const schema_info& schema) {
    nlohmann::json enums = nlohmann::json::array();
    for (const auto& e : schema.enums) enums.push_back({{"name", e.name}, {"labels", e.labels}});
    nlohmann::json queries = nlohmann::json::array();
    for (const auto& q : schema.queries) {
        nlohmann::json params = nlohmann::json::array();
        for (const auto& p : q.params) {
            params.push_back({{"name", p.name}, {"type", type_json(p.type)}, {"nullable", p.nullable}});
        }
        nlohmann::json columns = nlohmann::json::array();
        for (const auto& c : q.columns) {
            columns.push_back({{"name", c.name}, {"type", type_json(c.type)}, {"nullable", c.nullable}});
        }
        queries.push_back({{"name", q.name}, {"params", std::move(params)}, {"columns", std::move(columns)}});
    }
    const nlohmann::json doc = {{"version", 1},
                                {"generator", "katana gen sql"},
                                {"input_hash", schema.input_hash},
                                {"enums", std::move(enums)},
                                {"queries", std::move(queries)}};
    return doc.dump(2) + "\n";
}

katana::expected<schema_info, std::string> read_lock(std::string_view json) {
    const auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return katana::unexpected(std::string("not a JSON object"));
    if (doc.value("version", 0) != 1) return katana::unexpected(std::string("unsupported lock file version"));
    schema_info s;
    s.input_hash = doc.value("input_hash", std::string());
    const auto enums = doc.find("enums");
    const auto queries = doc.find("queries");
    if (enums == doc.end() || !enums->is_array() || queries == doc.end() || !queries->is_array()) {
        return katana::unexpected(std::string("missing 'enums' or 'queries'"));
    }
    for (const auto& e : *enums) {
        if (!e.is_object()) return katana::unexpected(std::string("bad enum entry"));
        enum_info info;
        info.name = e.value("name", std::string());
        const auto labels = e.find("labels");
        if (labels == e.end() || !labels->is_array()) return katana::unexpected("enum " + info.name + " has no labels");
        for (const auto& l : *labels) {
            if (!l.is_string()) return katana::unexpected("enum " + info.name + ": label is not a string");
            info.labels.push_back(l.get<std::string>());
        }
        s.enums.push_back(std::move(info));
    }
    for (const auto& q : *queries) {
        if (!q.is_object()) return katana::unexpected(std::string("bad query entry"));
        query_info info;
        info.name = q.value("name", std::string());
        for (const char* key : {"params", "columns"}) {
            const auto list = q.find(key);
            if (list == q.end() || !list->is_array()) return katana::unexpected(fmt::format("query {}: no {}", info.name, key));
            for (const auto& item : *list) {
                if (!item.is_object() || !item.contains("type")) {
                    return katana::unexpected(fmt::format("query {}: bad {} entry", info.name, key));
                }
                auto type = type_from(item["type"]);
                if (!type) return katana::unexpected(fmt::format("query {}: {}", info.name, type.error()));
                const std::string name = item.value("name", std::string());
                const bool nullable = item.value("nullable", true);
                if (std::string_view(key) == "params") {
                    info.params.push_back({name, std::move(*type), nullable});
                } else {
                    info.columns.push_back({name, std::move(*type), nullable});
                }
            }
        }
        s.queries.push_back(std::move(info));
    }
    return s;
}

} // namespace katana::sqlgen
