{
  "targets": [
    {
      "target_name": "barge_native",
      "sources": ["src/native/barge_native.c", "src/native/small_files.c", "src/native/copy_range.c", "src/native/page_cache.c", "src/native/beneath.c", "src/native/xattrs.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
