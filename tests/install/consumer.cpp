// Built against the installed headers and shared library only.
#include <livecourse/engine.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    livecourse::EngineConfig config;
    config.database = argv[1];
    livecourse::Engine engine(config);
    engine.enroll("c", "prof", livecourse::Role::instructor);
    livecourse::SessionDraft d;
    d.title = "Installed";
    d.starts_at = engine.now() + std::chrono::hours(1);
    d.ends_at = d.starts_at + std::chrono::hours(1);
    auto s = engine.create_session({"prof", "", "", ""}, "c", d);
    std::printf("%s %s\n", s.id.c_str(), std::string(livecourse::to_string(s.status)).c_str());
    return s.status == livecourse::SessionStatus::scheduled ? 0 : 1;
}
