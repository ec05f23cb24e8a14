/** The update layer's public face: images now; the campaign and atomicity verdicts will join them here. */
export * from './image/index.ts';
