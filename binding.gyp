{
  "targets": [
    {
      "target_name": "barge_native",
      "sources": ["src/native/barge_native.c", "src/native/small_files.c", "src/native/copy_range.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
