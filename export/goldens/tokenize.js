// Independent tokenization for goldens: HF tokenizer.json through @lenml/tokenizers (a JS port of
// HF tokenizers). Usage: NODE_PATH=<dir with node_modules> node tokenize.js TOKENIZER_JSON < texts.json
// stdin: JSON array of strings; stdout: JSON array of id arrays (no special tokens added).
const fs = require("fs");
const { TokenizerLoader } = require("@lenml/tokenizers");
const tokenizerJSON = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const tokenizerConfig = {
  tokenizer_class: "Qwen2Tokenizer", add_bos_token: false, add_eos_token: false,
  bos_token: null, eos_token: "<|im_end|>", pad_token: "<|endoftext|>", unk_token: null,
  clean_up_tokenization_spaces: false, model_max_length: 131072, errors: "replace", split_special_tokens: false,
};
const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
const texts = JSON.parse(fs.readFileSync(0, "utf8"));
const out = texts.map((t) => Array.from(tok.encode(t, { add_special_tokens: false })));
process.stdout.write(JSON.stringify(out));
