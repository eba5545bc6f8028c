// Patches of documents (RFC 7396 merge patches, RFC 6902 JSON Patches) at bounded cost;
// one concept per file under ./patch/.
export {
  type DocumentPatch,
  documentPatcher,
  type PatchedCollection,
} from './patch/document-patcher.js';
export {
  applyJsonPatch,
  type JsonPatchOperation,
  validateJsonPatch,
} from './patch/json-patch.js';
export {
  DEFAULT_MAX_PATCH_OPERATIONS,
  DEFAULT_MAX_PATCHED_BYTES,
  type PatchLimits,
} from './patch/limits.js';
export { applyMergePatch, type MergePatch, validateMergePatch } from './patch/merge-patch.js';
