/** Public face of the safetensors format layer. */
export { openSafetensors, SafetensorsFile, type SafetensorsOpenOptions } from './reader.js';
export { openShardedSafetensors, readShardIndex, ShardedSafetensors, type ShardedIndex } from './sharded.js';
export {
  readSafetensorsHeader,
  parseSafetensorsHeader,
  MAX_HEADER_BYTES,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
  type HeaderReadOptions,
} from './header.js';
export { planSafetensorsLayout, headerPrefix, type TensorDecl, type PlannedTensor, type SafetensorsLayout } from './layout.js';
export { writeSafetensors, SafetensorsStreamWriter, type TensorData, type SafetensorsWriteOptions } from './writer.js';
export { streamBytes, streamValues, DEFAULT_CHUNK_ELEMENTS, type ByteRange } from './tensorStream.js';
