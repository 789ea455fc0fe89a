// class-transformer keeps its metadata storage in a module its package does not type by that path.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
