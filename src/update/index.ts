/** The update layer's public face: images and atomicity sweeps; the campaign will join them here. */
export * from './atomicity/index.ts';
export * from './campaign/index.ts';
export * from './image/index.ts';
