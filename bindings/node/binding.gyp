# The addon as npm builds it at install time (node-gyp, against the headers of
# the installed Node: scripts/install.js passes --nodedir), from the C++ the
# package carries in native/ (scripts/native.js copies it there when packing).
# One self-contained livecourse.node: the library's core and its C ABI
# statically inside, the system's run-time libraries (OpenSSL, SQLite, libpq,
# Boost.JSON, fmt, date) linked. The project's own CMake build is the other
# way to build it (bindings/node/CMakeLists.txt).
{
  'variables': {
    'livecourse_native%': '<!(node scripts/native.js root)',
    'livecourse_version%': '<!(node scripts/native.js version)',
  },
  'target_defaults': {
    'cflags!': ['-O3'],
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
    'cflags': ['-O2', '-fPIC'],
    'cflags_cc': ['-std=c++20', '-fexceptions', '-frtti', '-fvisibility=hidden', '-fvisibility-inlines-hidden'],
  },
  'targets': [
    {
      # The library (src/) and its C ABI (capi/), compiled as the project's
      # CMake compiles them, with the definitions of the Debian -dev
      # packages' CMake targets (Boost.JSON and fmt as shared libraries,
      # date over the OS time zone database, SQLiteCpp's column metadata).
      'target_name': 'livecourse_core',
      'type': 'static_library',
      'sources': ['<!@(node scripts/native.js sources)'],
      'include_dirs': [
        '<(livecourse_native)/include',
        '<(livecourse_native)/src',
        '<(livecourse_native)/capi/include',
        '<!(pg_config --includedir)',
      ],
      # Node's own copies of OpenSSL's and zlib's headers stay out of the
      # library, which links the system's.
      'include_dirs!': [
        '<(node_root_dir)/include/node',
        '<(node_root_dir)/src',
        '<(node_root_dir)/deps/openssl/config',
        '<(node_root_dir)/deps/openssl/openssl/include',
        '<(node_root_dir)/deps/uv/include',
        '<(node_root_dir)/deps/zlib',
        '<(node_root_dir)/deps/v8/include',
      ],
      'defines': [
        'BOOST_CONTAINER_DYN_LINK', 'BOOST_CONTAINER_NO_LIB', 'BOOST_JSON_DYN_LINK', 'BOOST_JSON_NO_LIB',
        'FMT_SHARED', 'HAS_STRING_VIEW=1', 'ONLY_C_LOCALE=1', 'USE_OS_TZDB=1', 'SQLITE_ENABLE_COLUMN_METADATA',
        'LC_BUILDING_LIBRARY', 'LIVECOURSE_PROJECT_VERSION="<(livecourse_version)"',
      ],
    },
    {
      'target_name': 'livecourse',
      'sources': ['src/addon.cpp'],
      'dependencies': ['livecourse_core'],
      'include_dirs': ['<(livecourse_native)/capi/include', '<(livecourse_native)/include'],
      'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS'],
      'libraries': [
        '-lboost_json', '-lboost_container', '-lcrypto', '-lSQLiteCpp', '-lsqlite3', '-ldl', '-lpq',
        '-ldate-tz', '-lfmt', '-pthread',
      ],
      # The static archives' symbols stay inside the addon.
      'ldflags': ['-Wl,--exclude-libs,ALL'],
    },
  ],
}
