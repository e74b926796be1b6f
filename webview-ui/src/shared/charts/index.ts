/** The shared canvas chart toolkit: import once to register the elements. */
export { BarChart, type Bar } from './barChart.js';
export { LineChart, type Series, type Point } from './lineChart.js';
export { HistogramChart, type Marker } from './histogramChart.js';
export { CanvasChart } from './chartElement.js';
